// The share of honest peers whose parameters are within epsilon (L2) of the honest peers' mean: how
// much of the network has agreed, where the consensus distance only gives an average.
import { z } from 'zod';
import { defineMetric } from './types.js';

export const nearConsensus = defineMetric({
  kind: 'near-consensus',
  schema: z.object({ kind: z.literal('near-consensus'), epsilon: z.number().gt(0).default(0.01) }).strict(),
  summary: "the share of honest peers within epsilon (L2) of the honest peers' mean",
  fields: ['nearConsensus'],
  every: 'round',
  measure({ epsilon }, { rows, dim, honest }) {
    const mean = new Float64Array(dim);
    for (const p of honest) for (let c = 0, o = p * dim; c < dim; c++) mean[c] += rows[o + c];
    for (let c = 0; c < dim; c++) mean[c] /= honest.length;
    let near = 0;
    for (const p of honest) {
      let sq = 0;
      for (let c = 0, o = p * dim; c < dim; c++) sq += (rows[o + c] - mean[c]) ** 2;
      if (Math.sqrt(sq) <= epsilon) near++;
    }
    return { nearConsensus: near / honest.length };
  },
});
