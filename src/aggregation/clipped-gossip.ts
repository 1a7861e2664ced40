// ClippedGossip with self-centred clipping (He, Karimireddy, Jaggi 2022): x_i' = x_i + sum_{j != i}
// w_ij clip(x_j - x_i, tau), clip(v, tau) = v min(1, tau / |v|_2). That is a weighted mean with the
// neighbours' weights scaled by their clip factors and the rest moved to self, so the engine's
// mixing kernel (SIMD where available) does the writing after one float64 pass for the norms.
// `tau: adaptive` follows the authors' code (epfml/byzantine-robust-decentralized-optimizer,
// codes/aggregator.py, SelfCenteredClipping with tau None): per peer and round, tau is the
// second-largest distance |x_j - x_i| among its neighbours (the only one if it has one), so the
// farthest neighbour is pulled in to the second-farthest's distance and the rest are untouched.
// For protocols that mix through an aggregation rule (dpsgd); asynchronous gossip learning does
// not use it (it merges by age).
import { z } from 'zod';
import type { MixingMatrix } from '../types.js';
import { defineAggregation } from './types.js';

/** Columns per block: self's block stays in cache while every neighbour's streams past it. */
const BLOCK = 2048;

export const clippedGossip = defineAggregation({
  kind: 'clipped-gossip',
  schema: z.object({ kind: z.literal('clipped-gossip'), tau: z.union([z.number().positive(), z.literal('adaptive')]) }).strict(),
  summary: 'self plus the mixing-weighted neighbour differences, each clipped to norm tau (or adaptive)',
  combine: (env, { tau }, w, src, dst, r0, r1) => {
    const { dim } = env;
    const weights = env.scratch64('clip-weights', w.weights.length);
    for (let i = r0; i < r1; i++) {
      const a = w.offsets[i], b = w.offsets[i + 1];
      const norms = env.scratch64('clip-norms', b - a);
      norms.fill(0);
      const bi = i * dim;
      for (let c0 = 0; c0 < dim; c0 += BLOCK) {
        const c1 = Math.min(dim, c0 + BLOCK);
        for (let p = a; p < b; p++) {
          if (w.cols[p] === i) continue;
          const bj = w.cols[p] * dim;
          let acc = norms[p - a];
          for (let c = c0; c < c1; c++) {
            const v = src[bj + c] - src[bi + c];
            acc += v * v;
          }
          norms[p - a] = acc;
        }
      }
      // largest and second-largest neighbour distances, for the adaptive radius
      let first = -1, second = -1;
      for (let p = a; p < b; p++) {
        if (w.cols[p] === i) continue;
        const n = (norms[p - a] = Math.sqrt(norms[p - a]));
        if (n > first) {
          second = first;
          first = n;
        } else if (n > second) second = n;
      }
      const radius = tau === 'adaptive' ? (second >= 0 ? second : first) : tau;
      let self = -1, moved = 0;
      for (let p = a; p < b; p++) {
        if (w.cols[p] === i) {
          self = p;
          continue;
        }
        const n = norms[p - a];
        const scale = n > radius ? radius / n : 1;
        weights[p] = w.weights[p] * scale;
        moved += w.weights[p] - weights[p];
      }
      if (self < 0) throw new RangeError(`aggregation: clipped-gossip needs peer ${i}'s own row among the rows it hears`);
      weights[self] = w.weights[self] + moved;
    }
    const clipped: MixingMatrix = { n: w.n, offsets: w.offsets, cols: w.cols, weights };
    env.weightedMean(clipped, src, dst, r0, r1);
  },
});
