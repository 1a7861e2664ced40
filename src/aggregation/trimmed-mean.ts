// Coordinate-wise trimmed mean (Yin et al. 2018): per coordinate, drop the `trim` largest and
// `trim` smallest of the values a peer hears (self included) and average the rest, unweighted.
import { z } from 'zod';
import { defineAggregation } from './types.js';

export const trimmedMean = defineAggregation({
  kind: 'trimmed-mean',
  schema: z.object({ kind: z.literal('trimmed-mean'), trim: z.number().int().min(0) }).strict(),
  summary: 'coordinate-wise mean after dropping the `trim` largest and smallest values',
  check: ({ trim }, minCount) =>
    2 * trim < minCount ? [] : [`aggregation.trim: ${trim} from each end leaves nothing of the ${minCount} values the smallest neighbourhood holds (self included); use trim at most ${Math.floor((minCount - 1) / 2)}`],
  // a neighbourhood too small for `trim` (only an adversary's, which the check leaves out) trims
  // as much as leaves one value, as the authors' code of He, Karimireddy, Jaggi (2022) does
  combine: (env, { trim }, w, src, dst, r0, r1) =>
    env.windowMean(w, src, dst, r0, r1, (k) => {
      const t = Math.min(trim, (k - 1) >> 1);
      return [t, k - t];
    }),
});
