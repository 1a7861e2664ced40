// Summaries of how labels fall across peers: for viz data panels and for testing skew.

import type { Partition } from '../../types.js';

/** Row-major peers x classes counts: entry p * classes + k counts peer p's examples of class k. */
export function labelHistogram(labels: Uint8Array, partition: Partition, classes: number): Int32Array {
  const { peers, offsets, indices } = partition;
  const hist = new Int32Array(peers * classes);
  for (let p = 0; p < peers; p++) {
    for (let i = offsets[p]; i < offsets[p + 1]; i++) hist[p * classes + labels[indices[i]]]++;
  }
  return hist;
}

/**
 * Mean over peers of the Shannon entropy (in bits) of each peer's label distribution:
 * log2(classes) for perfectly balanced peers, 0 when every peer holds a single label.
 * Peers without examples count as entropy 0.
 */
export function meanLabelEntropy(labels: Uint8Array, partition: Partition, classes: number): number {
  const hist = labelHistogram(labels, partition, classes);
  const { peers } = partition;
  if (peers === 0) return 0;
  let sum = 0;
  for (let p = 0; p < peers; p++) {
    const n = partition.offsets[p + 1] - partition.offsets[p];
    for (let k = 0; k < classes; k++) {
      const c = hist[p * classes + k];
      if (c > 0) sum -= (c / n) * Math.log2(c / n);
    }
  }
  return sum / peers;
}
