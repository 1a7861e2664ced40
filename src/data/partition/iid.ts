// IID: every peer gets a uniformly random, disjoint block of the training set.

import type { Rng } from '../../rng.js';
import type { Partition } from '../../types.js';
import { fixedSizePartition } from './pools.js';
import { z } from 'zod';
import { definePartition, type PartitionRequest } from './spec.js';

const schema = z.object({ kind: z.literal('iid') }).strict();

export function partitionIid(req: PartitionRequest, _spec: z.output<typeof schema>, rng: Rng): Partition {
  const { labels, peers, examplesPerPeer } = req;
  const perm = new Int32Array(labels.length);
  for (let i = 0; i < perm.length; i++) perm[i] = i;
  rng.shuffle(perm);
  return fixedSizePartition(peers, examplesPerPeer, perm.slice(0, peers * examplesPerPeer));
}

export const iidPartition = definePartition({
  kind: 'iid',
  schema,
  summary: 'every peer gets a uniformly random, disjoint block of the training set',
  partition: partitionIid,
});
