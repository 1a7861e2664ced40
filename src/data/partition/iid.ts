// IID: every peer gets a uniformly random, disjoint block of the training set.

import type { Rng } from '../../rng.js';
import type { Partition } from '../../types.js';
import { fixedSizePartition } from './pools.js';
import type { PartitionRequest, SpecOf } from './spec.js';

export function partitionIid(req: PartitionRequest, _spec: SpecOf<'iid'>, rng: Rng): Partition {
  const { labels, peers, examplesPerPeer } = req;
  const perm = new Int32Array(labels.length);
  for (let i = 0; i < perm.length; i++) perm[i] = i;
  rng.shuffle(perm);
  return fixedSizePartition(peers, examplesPerPeer, perm.slice(0, peers * examplesPerPeer));
}
