// Max-degree weights: w_ij = 1 / (maxDegree + 1) on every edge. On regular graphs this
// is plain averaging over the closed neighbourhood; elsewhere low-degree peers keep more.
import type { MixingMatrix, Topology } from '../../types.js';
import { maxDegree } from '../analysis.js';
import { requireUndirected, symmetricMixing } from './build.js';

export function uniform(t: Topology): MixingMatrix {
  requireUndirected(t, 'uniform');
  const w = 1 / (maxDegree(t) + 1);
  return symmetricMixing(t, () => w);
}
