// QSGD (Alistarh et al. 2017) with s levels: |v_i| / |v| is rounded stochastically to one of
// s + 1 levels. Sent: the norm (4 bytes) and, per coordinate, a sign bit and the level.
// Scaled by 1/tau, tau = 1 + min(d/s^2, sqrt(d)/s), as CHOCO-SGD does to make it a contraction.
import { z } from 'zod';
import { defineCompression, type Compressor } from './types.js';

export function qsgd(levels: number): Compressor {
  const bitsPerCoordinate = 1 + Math.ceil(Math.log2(levels + 1));
  return {
    kind: 'qsgd',
    bytes: (dim) => 4 + Math.ceil((dim * bitsPerCoordinate) / 8),
    compress(v, out, rng) {
      const dim = v.length;
      let sq = 0;
      for (let i = 0; i < dim; i++) sq += v[i] * v[i];
      const norm = Math.sqrt(sq);
      if (norm === 0) {
        out.fill(0);
        return;
      }
      const s = levels;
      const tau = 1 + Math.min(dim / (s * s), Math.sqrt(dim) / s);
      const unit = norm / (s * tau);
      const r0 = rng();
      for (let i = 0; i < dim; i++) {
        const r = (Math.abs(v[i]) / norm) * s;
        const l = Math.floor(r);
        const level = r0.next() < r - l ? l + 1 : l;
        out[i] = (v[i] < 0 ? -level : level) * unit;
      }
    },
  };
}

export const qsgdOperator = defineCompression({
  kind: 'qsgd',
  schema: z.object({
    kind: z.literal('qsgd'),
    levels: z.number().superRefine((v, ctx) => {
      if (!(Number.isInteger(v) && v >= 1)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${v} is not a whole number of quantization levels; use an integer >= 1 (e.g. 16)` });
      }
    }),
  }).strict(),
  summary: 'stochastic quantization to `levels` levels plus the norm',
  create: (s) => qsgd(s.levels),
});
