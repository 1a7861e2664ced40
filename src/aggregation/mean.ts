// The weighted mean of the rows a peer hears, by the mixing weights: plain gossip averaging
// (the default; the engine's SIMD mixing kernel).
import { z } from 'zod';
import { defineAggregation } from './types.js';

export const mean = defineAggregation({
  kind: 'mean',
  schema: z.object({ kind: z.literal('mean') }).strict(),
  summary: 'the mixing-weighted mean of self and neighbours (plain gossip averaging)',
  combine: (env, _spec, w, src, dst, r0, r1) => env.weightedMean(w, src, dst, r0, r1),
  weightedMean: true,
  // one received model: the convex combination (1 - a) row + a other
  pairwise: () => (row, other, a) => {
    const b = 1 - a;
    for (let c = 0; c < row.length; c++) row[c] = b * row[c] + a * other[c];
  },
});
