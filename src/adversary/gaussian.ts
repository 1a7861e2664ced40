// Gaussian noise: the adversary sends N(0, sigma^2) in every coordinate, one draw per adversary
// and round (the same vector to each of its neighbours), from its own seeded stream.
import { z } from 'zod';
import { createRng } from '../rng.js';
import { defineAttack } from './types.js';

export const gaussian = defineAttack({
  kind: 'gaussian',
  schema: z.object({ kind: z.literal('gaussian'), sigma: z.number().positive().default(1) }).strict(),
  summary: 'send random noise N(0, sigma^2)',
  craft(spec, env, out) {
    const rng = createRng(env.seed, 'attack', env.from, env.round);
    for (let c = 0; c < env.dim; c++) out[c] = spec.sigma * rng.normal();
  },
});
