// The pathological non-IID split of McMahan et al. (2017): sort by label, cut into shards of
// consecutive examples, deal `perPeer` random shards to each peer (2 per peer on MNIST).

import type { Rng } from '../../rng.js';
import type { Partition } from '../../types.js';
import { createClassPools, fixedSizePartition } from './pools.js';
import type { PartitionRequest, SpecOf } from './spec.js';

/**
 * Shards have examplesPerPeer / perPeer examples (createPartition requires divisibility). The
 * label-sorted training set is cut into floor(n / shardSize) shards, the last n mod shardSize
 * examples are never used, and peers * perPeer of the shards are chosen at random, so a partition
 * smaller than the training set still draws from every label. A shard holds one label when class
 * sizes are multiples of the shard size, and at most two when every class has >= shardSize examples.
 */
export function partitionShards(req: PartitionRequest, spec: SpecOf<'shards'>, rng: Rng): Partition {
  const { labels, classes, peers, examplesPerPeer } = req;
  const shardSize = examplesPerPeer / spec.perPeer;
  const { order } = createClassPools(labels, classes, rng);
  const shardIds = new Int32Array(Math.floor(labels.length / shardSize));
  for (let s = 0; s < shardIds.length; s++) shardIds[s] = s;
  rng.shuffle(shardIds);
  const indices = new Int32Array(peers * examplesPerPeer);
  // Peer p takes the p-th run of perPeer shards from the shuffled list, laid out back to back.
  for (let t = 0; t < peers * spec.perPeer; t++) {
    const from = shardIds[t] * shardSize;
    indices.set(order.subarray(from, from + shardSize), t * shardSize);
  }
  return fixedSizePartition(peers, examplesPerPeer, indices);
}
