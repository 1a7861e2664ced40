// Lazy Metropolis-Hastings weights: (I + W_metropolis) / 2, so every peer keeps at least half of
// its own model each round. Symmetric and doubly stochastic like Metropolis, with all eigenvalues
// in [0, 1] (slower mixing: the spectral gap halves). He, Karimireddy, Jaggi (2022) make their
// malicious ring's honest peers lazy in the same way, which halves the weight they give attackers.
import type { MixingMatrix, Topology } from '../../types.js';
import { degrees } from '../analysis.js';
import { requireUndirected, symmetricMixing } from './build.js';

export function lazyMetropolis(t: Topology): MixingMatrix {
  requireUndirected(t, 'lazy-metropolis');
  const d = degrees(t);
  return symmetricMixing(t, (i, j) => 0.5 / (1 + Math.max(d[i], d[j])));
}
