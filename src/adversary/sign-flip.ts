// Sign flipping (Allen-Zhu et al. 2021; 'bit-flipping' in He, Karimireddy, Jaggi 2022): the
// adversary trains honestly, then sends -scale times the model it would have sent.
import { z } from 'zod';
import { defineAttack } from './types.js';

export const signFlip = defineAttack({
  kind: 'sign-flip',
  schema: z.object({ kind: z.literal('sign-flip'), scale: z.number().positive().default(1) }).strict(),
  summary: 'send -scale x the honest model',
  craft(spec, env, out) {
    const o = env.from * env.dim;
    for (let c = 0; c < env.dim; c++) out[c] = -spec.scale * env.x[o + c];
  },
});
