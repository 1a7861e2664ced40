// One entry point for splitting training data over peers: validates the request once,
// then dispatches on spec.kind through a registry typed to cover every PartitionSpec.

import type { z } from 'zod';
import { unionOfKinds } from '../../config/kinds.js';
import { KindRegistry } from '../../config/registry.js';
import { DataError } from '../../errors.js';
import type { Rng } from '../../rng.js';
import type { Partition } from '../../types.js';
import { dirichletPartition } from './dirichlet.js';
import { iidPartition } from './iid.js';
import { labelBlocksPartition } from './label-blocks.js';
import { shardsPartition } from './shards.js';
import type { PartitionDescriptor, PartitionRequest } from './spec.js';

export { definePartition, type PartitionDescriptor, type PartitionIssue, type PartitionRequest } from './spec.js';
export { labelHistogram, meanLabelEntropy } from './stats.js';

export const partitions = [iidPartition, dirichletPartition, shardsPartition, labelBlocksPartition] as const;

const builtInSchema = unionOfKinds(partitions);
/** The built-ins and the partitions plug-ins add. */
export const partitionRegistry = new KindRegistry<PartitionDescriptor>('data.partition', 'partitions', partitions as unknown as readonly PartitionDescriptor[]);
export const partitionSchema = partitionRegistry.lazySchema<typeof builtInSchema>();

export type PartitionSpec = z.output<typeof builtInSchema>;
export type PartitionKind = PartitionSpec['kind'];
/** The spec of one kind, e.g. SpecOf<'dirichlet'> = { kind: 'dirichlet'; alpha: number }. */
export type SpecOf<K extends PartitionKind> = Extract<PartitionSpec, { kind: K }>;

/** The partition of a config that names none. */
export const DEFAULT_PARTITION: PartitionSpec = { kind: iidPartition.kind };

export function partitionOf(kind: string): PartitionDescriptor {
  return partitionRegistry.get(kind);
}

/** The spec's problems for this many peers, classes and examples, as "data.partition.field: problem". */
export function partitionIssues(spec: PartitionSpec, req: Omit<PartitionRequest, 'labels'>): string[] {
  return (partitionOf(spec.kind).check?.(spec as never, req) ?? []).map((i) => `data.partition.${i.field}: ${i.problem}`);
}

/** A short label of the spec for the set-up line. */
export function describePartition(spec: PartitionSpec): string {
  return partitionOf(spec.kind).describe?.(spec as never) ?? spec.kind;
}

/**
 * Gives each of `peers` peers exactly `examplesPerPeer` distinct training indices, no index
 * shared between peers. Deterministic for a given rng state; throws DataError on a bad request.
 */
export function createPartition(
  labels: Uint8Array,
  classes: number,
  peers: number,
  examplesPerPeer: number,
  spec: PartitionSpec,
  rng: Rng,
): Partition {
  validate(labels, classes, peers, examplesPerPeer, spec);
  const req: PartitionRequest = { labels, classes, peers, examplesPerPeer };
  return partitionOf(spec.kind).partition(req, spec as never, rng);
}

function validate(labels: Uint8Array, classes: number, peers: number, examplesPerPeer: number, spec: PartitionSpec): void {
  const where = `createPartition(${spec.kind})`;
  if (!partitionRegistry.has(spec.kind)) throw new DataError(`${where}: unknown partition kind; use one of ${partitionRegistry.kinds().join(' | ')}`);
  if (!Number.isInteger(classes) || classes < 1 || classes > 256) throw new DataError(`${where}: classes must be an integer in [1, 256], got ${classes}`);
  if (!Number.isInteger(peers) || peers < 1) throw new DataError(`${where}: peers must be a positive integer, got ${peers}`);
  if (!Number.isInteger(examplesPerPeer) || examplesPerPeer < 1) {
    throw new DataError(`${where}: examplesPerPeer must be a positive integer, got ${examplesPerPeer}`);
  }
  const needed = peers * examplesPerPeer;
  if (needed > labels.length) {
    throw new DataError(
      `${where}: ${peers} peers x ${examplesPerPeer} examples per peer = ${needed} examples, ` +
        `but the training set has only ${labels.length}; lower peers or examplesPerPeer`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) throw new DataError(`${where}: label ${labels[i]} at index ${i} is outside 0..${classes - 1}`);
  }
  const issue = partitionOf(spec.kind).check?.(spec as never, { classes, peers, examplesPerPeer })[0];
  if (issue) throw new DataError(`${where}: ${issue.problem}`);
}
