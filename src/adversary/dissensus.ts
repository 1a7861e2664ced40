// The dissensus attack (He, Karimireddy, Jaggi 2022): pushes honest neighbours apart. To honest
// peer i every adversary sends x_i - epsilon * (sum over i's honest neighbours j of w_ij (x_j - x_i))
// / (the total weight i gives to adversaries), which cancels (epsilon = 1) or reverses the pull
// of i's honest neighbours.
import { z } from 'zod';
import { defineAttack } from './types.js';

export const dissensus = defineAttack({
  kind: 'dissensus',
  schema: z.object({ kind: z.literal('dissensus'), epsilon: z.number().positive().default(1) }).strict(),
  summary: 'push honest neighbours apart: x_i - epsilon * (honest pull on i) / (adversarial weight of i)',
  craft(spec, env, out) {
    const { dim, x, w, adversarial } = env;
    const i = env.to;
    const acc = env.scratch64('attack-mean', dim).fill(0);
    let advWeight = 0;
    const oi = i * dim;
    for (let p = w.offsets[i]; p < w.offsets[i + 1]; p++) {
      const j = w.cols[p];
      if (adversarial[j]) advWeight += w.weights[p];
      else if (j !== i) for (let c = 0, oj = j * dim; c < dim; c++) acc[c] += w.weights[p] * (x[oj + c] - x[oi + c]);
    }
    const k = spec.epsilon / advWeight;
    for (let c = 0; c < dim; c++) out[c] = x[oi + c] - k * acc[c];
  },
});
