// The pathological non-IID split of McMahan et al. (2017): sort by label, cut into shards of
// consecutive examples, deal `perPeer` random shards to each peer (2 per peer on MNIST).

import type { Rng } from '../../rng.js';
import type { Partition } from '../../types.js';
import { createClassPools, fixedSizePartition } from './pools.js';
import { z } from 'zod';
import { int } from '../../config/kinds.js';
import { definePartition, type PartitionRequest } from './spec.js';

const schema = z.object({ kind: z.literal('shards'), perPeer: int(1) }).strict();

/**
 * Shards have examplesPerPeer / perPeer examples (createPartition requires divisibility). The
 * label-sorted training set is cut into floor(n / shardSize) shards, the last n mod shardSize
 * examples are never used, and peers * perPeer of the shards are chosen at random, so a partition
 * smaller than the training set still draws from every label. A shard holds one label when class
 * sizes are multiples of the shard size, and at most two when every class has >= shardSize examples.
 */
export function partitionShards(req: PartitionRequest, spec: z.output<typeof schema>, rng: Rng): Partition {
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

export const shardsPartition = definePartition({
  kind: 'shards',
  schema,
  summary: 'sorted by label, cut into shards, perPeer random shards to each peer (McMahan et al. 2017)',
  partition: partitionShards,
  check: (s, r) => {
    if (!Number.isInteger(s.perPeer) || s.perPeer < 1) return [{ field: 'perPeer', problem: `perPeer must be a positive integer, got ${s.perPeer}` }];
    if (r.examplesPerPeer % s.perPeer !== 0) {
      return [{ field: 'perPeer', problem: `examplesPerPeer (${r.examplesPerPeer}) must be divisible by perPeer (${s.perPeer}) so all shards are the same size` }];
    }
    return [];
  },
  describe: (s) => `shards(${s.perPeer}/peer)`,
});
