// Multi-Krum (Blanchard et al. 2017) over self and neighbours: the unweighted mean of the m
// heard rows with the lowest Krum scores (krum.ts); m = 1 is Krum. For protocols that mix through
// an aggregation rule (dpsgd); asynchronous gossip learning does not use it (it merges by age).
import { z } from 'zod';
import { checkKrumF, multiKrumRows } from './krum.js';
import { defineAggregation } from './types.js';

export const multiKrum = defineAggregation({
  kind: 'multi-krum',
  schema: z.object({ kind: z.literal('multi-krum'), f: z.number().int().min(0), m: z.number().int().min(1) }).strict(),
  summary: 'the mean of the m heard rows with the lowest Krum scores',
  check: ({ f, m }, minCount) => {
    const issues = checkKrumF(f, minCount);
    if (m > minCount - f) issues.push(`aggregation.m: ${m} is more than the ${minCount - f} rows left after f = ${f} in the smallest neighbourhood (${minCount} rows, self included); use m at most ${Math.max(1, minCount - f)}`);
    return issues;
  },
  combine: (env, { f, m }, w, src, dst, r0, r1) => multiKrumRows(env, w, src, dst, r0, r1, f, m),
});
