// Gradient clipping by global L2 norm (as in Pascanu et al. 2013): the batch gradient is scaled
// down to norm `max` when it is longer. Not DP (that clips each example: privacy.dp.clip).
import { z } from 'zod';
import { defineStage } from './types.js';

export const clipGradient = defineStage({
  kind: 'clip-gradient',
  schema: z.object({ kind: z.literal('clip-gradient'), max: z.number().gt(0) }).strict(),
  summary: 'scale the batch gradient down to L2 norm at most max',
  at: 'transform',
  create: ({ max }) => ({ grad }) => {
    let sq = 0;
    for (let i = 0; i < grad.length; i++) sq += grad[i] * grad[i];
    const norm = Math.sqrt(sq);
    if (!(norm > max)) return;
    const f = max / norm;
    for (let i = 0; i < grad.length; i++) grad[i] *= f;
  },
});
