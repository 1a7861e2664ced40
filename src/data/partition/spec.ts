// How training examples are split over peers. A tagged union, so each partitioner's
// parameters are typed and the registry in index.ts is checked to cover every kind.
import type { z } from 'zod';
import type { partitionSchema } from './schema.js';

/** Derived from the config schema (schema.ts), the one place partition kinds are listed. */
export type PartitionSpec = z.output<typeof partitionSchema>;

export type PartitionKind = PartitionSpec['kind'];

/** The spec of one kind, e.g. SpecOf<'dirichlet'> = { kind: 'dirichlet'; alpha: number }. */
export type SpecOf<K extends PartitionKind> = Extract<PartitionSpec, { kind: K }>;

/** What every partitioner receives, already validated by createPartition. */
export interface PartitionRequest {
  readonly labels: Uint8Array;
  readonly classes: number;
  readonly peers: number;
  readonly examplesPerPeer: number;
}
