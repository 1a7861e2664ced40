// Metropolis-Hastings weights (Xiao & Boyd 2004): w_ij = 1 / (1 + max(d_i, d_j)).
// Needs only the neighbours' degrees, never the global max, and is always
// symmetric and doubly stochastic with a positive diagonal.
import type { MixingMatrix, Topology } from '../../types.js';
import { degrees } from '../analysis.js';
import { requireUndirected, symmetricMixing } from './build.js';

export function metropolis(t: Topology): MixingMatrix {
  requireUndirected(t, 'metropolis');
  const d = degrees(t);
  return symmetricMixing(t, (i, j) => 1 / (1 + Math.max(d[i], d[j])));
}
