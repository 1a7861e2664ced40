// Coordinate-wise median of self and neighbours (Yin et al. 2018 for servers; used in gossip by
// e.g. ClippedGossip's baselines): robust to a minority of outliers per coordinate. The mixing
// weights are ignored; with an even count the two middle values are averaged.
import { z } from 'zod';
import { defineAggregation } from './types.js';

export const median = defineAggregation({
  kind: 'median',
  schema: z.object({ kind: z.literal('median') }).strict(),
  summary: 'coordinate-wise median of self and neighbours',
  combine: (env, _spec, w, src, dst, r0, r1) => env.windowMean(w, src, dst, r0, r1, (k) => [(k - 1) >> 1, (k >> 1) + 1]),
});
