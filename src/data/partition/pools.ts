// Shared pieces of the partitioners: per-class index pools and the fixed-size Partition shape.

import type { Rng } from '../../rng.js';
import type { Partition } from '../../types.js';

/** Indices grouped by label (class k at order[start[k] .. start[k+1])), shuffled within each class. */
export interface ClassPools {
  readonly order: Int32Array;
  readonly start: Int32Array; // classes + 1 entries
}

/** A counting sort by label (stable), then a seeded shuffle inside each class. */
export function createClassPools(labels: Uint8Array, classes: number, rng: Rng): ClassPools {
  const start = new Int32Array(classes + 1);
  for (let i = 0; i < labels.length; i++) start[labels[i] + 1]++;
  for (let k = 0; k < classes; k++) start[k + 1] += start[k];
  const fill = start.slice(0, classes);
  const order = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) order[fill[labels[i]]++] = i;
  for (let k = 0; k < classes; k++) rng.shuffle(order, start[k], start[k + 1]);
  return { order, start };
}

/** Every peer holds the same number of examples, so offsets are a plain arithmetic sequence. */
export function fixedSizePartition(peers: number, examplesPerPeer: number, indices: Int32Array): Partition {
  const offsets = new Int32Array(peers + 1);
  for (let p = 0; p <= peers; p++) offsets[p] = p * examplesPerPeer;
  return { peers, offsets, indices };
}
