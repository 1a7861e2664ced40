// ClippedGossip with self-centred clipping (He, Karimireddy, Jaggi 2022): x_i' = x_i + sum_{j != i}
// w_ij clip(x_j - x_i, tau), clip(v, tau) = v min(1, tau / |v|_2). That is a weighted mean with the
// neighbours' weights scaled by their clip factors and the rest moved to self, so the engine's
// mixing kernel (SIMD where available) does the writing after one float64 pass for the norms
// (env.squaredDistance: SIMD where available, each edge summed once).
// `tau: adaptive` follows the authors' code (epfml/byzantine-robust-decentralized-optimizer,
// codes/aggregator.py, SelfCenteredClipping with tau None): per peer and round, tau is the
// second-largest distance |x_j - x_i| among its neighbours (the only one if it has one), so the
// farthest neighbour is pulled in to the second-farthest's distance and the rest are untouched.
// Asynchronous gossip learning merges one received model at a time: row + a clip(other - row, tau)
// with a fixed tau (the adaptive radius needs the distances to several neighbours at once).
import { z } from 'zod';
import type { MixingMatrix } from '../types.js';
import { defineAggregation, type AggregationEnv } from './types.js';

/** Columns per block (a multiple of DISTANCE_LANES): a neighbourhood's blocks stay in L1 across rows. */
const BLOCK = 2048;

export const clippedGossip = defineAggregation({
  kind: 'clipped-gossip',
  schema: z.object({ kind: z.literal('clipped-gossip'), tau: z.union([z.number().positive(), z.literal('adaptive')]) }).strict(),
  summary: 'self plus the mixing-weighted neighbour differences, each clipped to norm tau (or adaptive)',
  pairwise: ({ tau }) =>
    tau === 'adaptive'
      ? 'with tau adaptive takes its radius from the distances to several neighbours at once'
      : (row, other, a) => {
          let sq = 0;
          for (let c = 0; c < row.length; c++) sq += (other[c] - row[c]) ** 2;
          const norm = Math.sqrt(sq);
          const k = a * (norm > tau ? tau / norm : 1);
          for (let c = 0; c < row.length; c++) row[c] += k * (other[c] - row[c]);
        },
  combine: (env, { tau }, w, src, dst, r0, r1) => {
    const norms = neighbourDistances(env, w, src, r0, r1);
    const weights = env.scratch64('clip-weights', w.weights.length);
    for (let i = r0; i < r1; i++) {
      const a = w.offsets[i], b = w.offsets[i + 1];
      // largest and second-largest neighbour distances, for the adaptive radius
      let first = -1, second = -1;
      for (let p = a; p < b; p++) {
        if (w.cols[p] === i) continue;
        const n = norms[p];
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
        const n = norms[p];
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

/**
 * |x_j - x_i| for every neighbour entry p of rows [r0, r1) (indexed like w.cols). The float64 sum
 * runs block by block in a fixed order and is symmetric to the bit, so an edge whose two ends are
 * both in [r0, r1) is summed once and copied: the same bits as summing it from either end.
 */
function neighbourDistances(env: AggregationEnv, w: MixingMatrix, src: Float32Array, r0: number, r1: number): Float64Array {
  const { dim } = env;
  const norms = env.scratch64('clip-norms', w.weights.length);
  const mirror = env.scratch64('clip-mirror', w.weights.length); // entry summed from the other end, or -1
  for (let i = r0; i < r1; i++) {
    for (let p = w.offsets[i]; p < w.offsets[i + 1]; p++) {
      norms[p] = 0;
      mirror[p] = -1;
      const j = w.cols[p];
      if (j >= i || j < r0) continue;
      for (let q = w.offsets[j]; q < w.offsets[j + 1]; q++) if (w.cols[q] === i) mirror[p] = q;
    }
  }
  for (let c0 = 0; c0 < dim; c0 += BLOCK) {
    const len = Math.min(BLOCK, dim - c0);
    for (let i = r0; i < r1; i++) {
      const bi = i * dim + c0;
      for (let p = w.offsets[i]; p < w.offsets[i + 1]; p++) {
        const j = w.cols[p];
        if (j !== i && mirror[p] < 0) norms[p] += env.squaredDistance(src, bi, j * dim + c0, len);
      }
    }
  }
  for (let i = r0; i < r1; i++) {
    for (let p = w.offsets[i]; p < w.offsets[i + 1]; p++) if (mirror[p] < 0) norms[p] = Math.sqrt(norms[p]);
  }
  for (let i = r0; i < r1; i++) {
    for (let p = w.offsets[i]; p < w.offsets[i + 1]; p++) if (mirror[p] >= 0) norms[p] = norms[mirror[p]];
  }
  return norms;
}
