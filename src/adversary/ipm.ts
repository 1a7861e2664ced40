// Inner-product manipulation (Xie, Koyejo, Gupta 2020): send -epsilon times the mean of the
// target's honest neighbourhood (target included), so the aggregate's inner product with the
// honest direction turns negative once enough adversaries are heard.
import { z } from 'zod';
import { defineAttack, honestEntries, rowStats } from './types.js';

export const ipm = defineAttack({
  kind: 'ipm',
  schema: z.object({ kind: z.literal('ipm'), epsilon: z.number().positive().default(0.1) }).strict(),
  summary: 'send -epsilon x the mean of the honest neighbours',
  craft(spec, env, out) {
    const mean = env.scratch64('attack-mean', env.dim);
    rowStats(env, honestEntries(env, env.to).map((p) => env.w.cols[p]), mean);
    for (let c = 0; c < env.dim; c++) out[c] = -spec.epsilon * mean[c];
  },
});
