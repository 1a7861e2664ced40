// One entry point for splitting training data over peers: validates the request once,
// then dispatches on spec.kind through a registry typed to cover every PartitionSpec.

import { DataError } from '../../errors.js';
import type { Rng } from '../../rng.js';
import type { Partition } from '../../types.js';
import { partitionDirichlet } from './dirichlet.js';
import { partitionIid } from './iid.js';
import { partitionLabelBlocks } from './label-blocks.js';
import { partitionShards } from './shards.js';
import type { PartitionKind, PartitionRequest, PartitionSpec, SpecOf } from './spec.js';

export type { PartitionKind, PartitionRequest, PartitionSpec, SpecOf } from './spec.js';
export { labelHistogram, meanLabelEntropy } from './stats.js';

export type Partitioner<K extends PartitionKind> = (req: PartitionRequest, spec: SpecOf<K>, rng: Rng) => Partition;

/** Adding a kind to PartitionSpec without a partitioner here is a type error. */
export const partitioners: { readonly [K in PartitionKind]: Partitioner<K> } = {
  iid: partitionIid,
  dirichlet: partitionDirichlet,
  shards: partitionShards,
  'label-blocks': partitionLabelBlocks,
};

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
  // The cast is safe: the registry's mapped type pairs each kind with its own spec.
  return (partitioners[spec.kind] as Partitioner<PartitionKind>)(req, spec, rng);
}

function validate(labels: Uint8Array, classes: number, peers: number, examplesPerPeer: number, spec: PartitionSpec): void {
  const where = `createPartition(${spec.kind})`;
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
  if (spec.kind === 'dirichlet' && !(spec.alpha > 0 && Number.isFinite(spec.alpha))) {
    throw new DataError(`${where}: alpha must be a finite number > 0, got ${spec.alpha}`);
  }
  if (spec.kind === 'label-blocks' && !(Number.isInteger(spec.blocks) && spec.blocks >= 1 && spec.blocks <= Math.min(peers, classes))) {
    throw new DataError(`${where}: blocks must be an integer from 1 to min(peers, classes) = ${Math.min(peers, classes)}, got ${spec.blocks}`);
  }
  if (spec.kind === 'shards') {
    if (!Number.isInteger(spec.perPeer) || spec.perPeer < 1) throw new DataError(`${where}: perPeer must be a positive integer, got ${spec.perPeer}`);
    if (examplesPerPeer % spec.perPeer !== 0) {
      throw new DataError(`${where}: examplesPerPeer (${examplesPerPeer}) must be divisible by perPeer (${spec.perPeer}) so all shards are the same size`);
    }
  }
}
