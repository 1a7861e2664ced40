// QSGD (Alistarh et al. 2017) with s levels: |v_i| / |v| is rounded stochastically to one of
// s + 1 levels. Sent: the scale |v| / (s tau) (4 bytes) and, per coordinate, a sign bit and the level.
// Scaled by 1/tau, tau = 1 + min(d/s^2, sqrt(d)/s), as CHOCO-SGD does to make it a contraction.
import { z } from 'zod';
import type { Rng } from '../../rng.js';
import { checkPayload, defineCompression, type Compressor } from './types.js';

/**
 * out = C(v), and each coordinate's sign and level to `put` when given. The unit |v| / (s tau) is
 * rounded to a float32, as the wire carries it, so a receiver rebuilds the very same values.
 */
function quantize(levels: number, v: Float32Array, out: Float32Array, rng: () => Rng, put?: (i: number, negative: boolean, level: number) => void): number {
  const dim = v.length;
  let sq = 0;
  for (let i = 0; i < dim; i++) sq += v[i] * v[i];
  const norm = Math.sqrt(sq);
  if (norm === 0) {
    out.fill(0);
    if (put) for (let i = 0; i < dim; i++) put(i, false, 0);
    return 0;
  }
  const s = levels;
  const tau = 1 + Math.min(dim / (s * s), Math.sqrt(dim) / s);
  const unit = Math.fround(norm / (s * tau));
  const r0 = rng();
  for (let i = 0; i < dim; i++) {
    const r = (Math.abs(v[i]) / norm) * s;
    const l = Math.floor(r);
    const level = r0.next() < r - l ? l + 1 : l;
    out[i] = (v[i] < 0 ? -level : level) * unit;
    put?.(i, v[i] < 0, level);
  }
  return unit;
}

export function qsgd(levels: number): Compressor {
  const levelBits = Math.ceil(Math.log2(levels + 1));
  const bitsPerCoordinate = 1 + levelBits;
  const bytes = (dim: number) => 4 + Math.ceil((dim * bitsPerCoordinate) / 8);
  return {
    kind: 'qsgd',
    bytes,
    compress(v, out, rng) {
      quantize(levels, v, out, rng);
    },
    // the unit as a float32, then per coordinate its sign bit and level bits, least significant bit first
    encode(v, out, rng) {
      const payload = new Uint8Array(bytes(v.length));
      const unit = quantize(levels, v, out, rng, (i, negative, level) => {
        const bits = (level << 1) | (negative ? 1 : 0);
        for (let b = 0, at = i * bitsPerCoordinate; b < bitsPerCoordinate; b++, at++) {
          if ((bits >>> b) & 1) payload[4 + (at >>> 3)] |= 1 << (at & 7);
        }
      });
      new DataView(payload.buffer).setFloat32(0, unit, true);
      return payload;
    },
    decode(payload, out) {
      const view = checkPayload('qsgd', payload, bytes(out.length));
      const unit = view.getFloat32(0, true);
      for (let i = 0; i < out.length; i++) {
        let bits = 0;
        for (let b = 0, at = i * bitsPerCoordinate; b < bitsPerCoordinate; b++, at++) bits |= ((payload[4 + (at >>> 3)] >>> (at & 7)) & 1) << b;
        const level = bits >>> 1;
        out[i] = (bits & 1 ? -level : level) * unit;
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
