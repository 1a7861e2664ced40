// Krum (Blanchard et al. 2017) over self and neighbours: among the k rows a peer hears, each is
// scored by the summed squared distances to its k - f - 2 nearest other heard rows, and the peer
// takes the lowest-scoring row (ties: the lowest peer id). Multi-Krum (multi-krum.ts) averages the
// m lowest. Distances are float64 sums in ascending column order; the mixing weights are ignored.
// For protocols that mix through an aggregation rule (dpsgd); asynchronous gossip learning does
// not use these rules (it merges by age).
import { z } from 'zod';
import type { MixingMatrix } from '../types.js';
import { defineAggregation, type AggregationEnv } from './types.js';

/** Columns per block: the heard rows' blocks stay in cache while every pair is accumulated. */
const BLOCK = 2048;

/** Problems with `f` on neighbourhoods of `minCount` rows (self included). */
export function checkKrumF(f: number, minCount: number): string[] {
  if (minCount - f - 2 >= 1) return [];
  const fix = minCount >= 3 ? `use f at most ${minCount - 3}` : 'Krum needs at least 3 rows per neighbourhood; use a denser graph';
  return [`aggregation.f: ${f} leaves no rows to score against in the ${minCount} rows the smallest neighbourhood holds (self included; Krum needs k - f - 2 >= 1); ${fix}`];
}

/**
 * dst rows [r0, r1): the unweighted mean (float64 sum in order of score, rounded once) of the m
 * lowest-scoring heard rows; m = 1 is Krum (the chosen row itself, bit for bit).
 */
export function multiKrumRows(
  env: AggregationEnv, w: MixingMatrix, src: Float32Array, dst: Float32Array, r0: number, r1: number, f: number, m: number,
): void {
  const { dim } = env;
  for (let i = r0; i < r1; i++) {
    const a = w.offsets[i];
    const k = w.offsets[i + 1] - a;
    const near = k - f - 2;
    if (near < 1 || m < 1 || m > k - f) throw new RangeError(`aggregation: Krum with f = ${f}, m = ${m} does not fit peer ${i}'s ${k} heard rows`);
    const d = env.scratch64('krum-dist', k * k);
    const scores = env.scratch64('krum-score', k);
    const sorted = env.scratch64('krum-sorted', k);
    const chosen = env.scratch64('krum-chosen', k); // positions in the row, lowest score first
    d.fill(0);
    for (let c0 = 0; c0 < dim; c0 += BLOCK) {
      const c1 = Math.min(dim, c0 + BLOCK);
      for (let p = 0; p < k; p++) {
        const bp = w.cols[a + p] * dim;
        for (let q = p + 1; q < k; q++) {
          const bq = w.cols[a + q] * dim;
          let acc = d[p * k + q];
          for (let c = c0; c < c1; c++) {
            const v = src[bp + c] - src[bq + c];
            acc += v * v;
          }
          d[p * k + q] = acc;
        }
      }
    }
    for (let p = 0; p < k; p++) {
      // insertion sort of the distances to the other rows, then the nearest `near` summed ascending
      let n = 0;
      for (let q = 0; q < k; q++) {
        if (q === p) continue;
        const v = p < q ? d[p * k + q] : d[q * k + p];
        let t = n++;
        while (t > 0 && sorted[t - 1] > v) {
          sorted[t] = sorted[t - 1];
          t--;
        }
        sorted[t] = v;
      }
      let s = 0;
      for (let t = 0; t < near; t++) s += sorted[t];
      scores[p] = s;
    }
    for (let s = 0; s < m; s++) {
      let best = -1;
      for (let p = 0; p < k; p++) {
        let taken = false;
        for (let t = 0; t < s; t++) taken ||= chosen[t] === p;
        if (taken) continue;
        if (best < 0 || scores[p] < scores[best] || (scores[p] === scores[best] && w.cols[a + p] < w.cols[a + best])) best = p;
      }
      chosen[s] = best;
    }
    const o = i * dim;
    for (let s = 0; s < m; s++) chosen[s] = w.cols[a + chosen[s]] * dim; // positions -> row offsets
    for (let c = 0; c < dim; c++) {
      let acc = 0;
      for (let s = 0; s < m; s++) acc += src[chosen[s] + c];
      dst[o + c] = Math.fround(acc / m);
    }
  }
}

export const krum = defineAggregation({
  kind: 'krum',
  schema: z.object({ kind: z.literal('krum'), f: z.number().int().min(0) }).strict(),
  summary: 'the heard row closest to its k - f - 2 nearest others (Krum, Blanchard et al. 2017)',
  check: ({ f }, minCount) => checkKrumF(f, minCount),
  combine: (env, { f }, w, src, dst, r0, r1) => multiKrumRows(env, w, src, dst, r0, r1, f, 1),
});
