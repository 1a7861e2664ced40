// How training examples are split over peers: what a partitioner receives and the descriptor each
// partition kind is written with (its schema, its partitioner, its checks). Kinds are listed once,
// in the registry (index.ts); the spec types are derived from their schemas.
import type { z } from 'zod';
import type { Rng } from '../../rng.js';
import type { Partition } from '../../types.js';

/** What every partitioner receives, already validated by createPartition. */
export interface PartitionRequest {
  readonly labels: Uint8Array;
  readonly classes: number;
  readonly peers: number;
  readonly examplesPerPeer: number;
}

/** A problem of a spec for a request: the spec's field and a sentence that says what is wrong. */
export interface PartitionIssue {
  field: string;
  problem: string;
}

export interface PartitionDescriptor<S extends z.ZodDiscriminatedUnionOption<'kind'> = z.ZodDiscriminatedUnionOption<'kind'>, K extends string = string> {
  readonly kind: K;
  readonly schema: S;
  readonly summary: string;
  /** Gives each peer exactly examplesPerPeer distinct indices, none shared; draws only from `rng`. */
  partition(req: PartitionRequest, spec: z.output<S>, rng: Rng): Partition;
  /** What `spec` cannot do for this many peers, classes and examples (checked in the config and again before partitioning). */
  check?(spec: z.output<S>, req: Omit<PartitionRequest, 'labels'>): PartitionIssue[];
  /** A short label for the set-up line ("dirichlet(alpha=0.5)"); absent: the kind. */
  describe?(spec: z.output<S>): string;
}

export function definePartition<S extends z.ZodDiscriminatedUnionOption<'kind'>, K extends string>(d: PartitionDescriptor<S, K>): PartitionDescriptor<S, K> {
  return d;
}
