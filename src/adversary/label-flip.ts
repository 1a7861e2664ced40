// Label flipping (data poisoning): the adversary trains on labels y -> classes - 1 - y and then
// follows the protocol honestly, so it works with every protocol.
import { z } from 'zod';
import { defineAttack } from './types.js';

export const labelFlip = defineAttack({
  kind: 'label-flip',
  schema: z.object({ kind: z.literal('label-flip') }).strict(),
  summary: 'train on labels y -> classes - 1 - y',
  poison(_spec, { y, size, classes }) {
    for (let k = 0; k < size; k++) y[k] = classes - 1 - y[k];
  },
});
