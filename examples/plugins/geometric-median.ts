// Robust federated aggregation (RFA; Pillutla, Kakade, Harchaoui 2022): each peer moves to the
// weighted geometric median of its own row and the rows it hears, computed by a few smoothed
// Weiszfeld iterations: z <- sum_i b_i x_i / sum_i b_i with b_i = a_i / max(nu, |z - x_i|),
// started at the weighted mean. Written in the per-peer form: one peer's neighbourhood at a time.
import { definePeerAggregation, definePlugin, z } from 'plexus';

export const geometricMedian = definePeerAggregation({
  kind: 'geometric-median',
  schema: z
    .object({
      kind: z.literal('geometric-median'),
      /** Weiszfeld iterations (the RFA paper finds 3 enough) */
      iterations: z.number().int().min(1).max(100).default(3),
      /** smoothing: distances below nu count as nu, so a row equal to z does not divide by zero */
      nu: z.number().positive().default(1e-6),
    })
    .strict(),
  summary: 'weighted geometric median of self and neighbours (RFA, smoothed Weiszfeld)',
  merge(spec, { own, selfWeight, neighbours, weights }, out) {
    const rows = [own, ...neighbours];
    const a = [selfWeight, ...weights];
    const dim = own.length;
    // start at the weighted mean, in float64
    const zc = new Float64Array(dim);
    for (let r = 0; r < rows.length; r++) for (let c = 0; c < dim; c++) zc[c] += a[r] * rows[r][c];
    const b = new Float64Array(rows.length);
    for (let t = 0; t < spec.iterations; t++) {
      let total = 0;
      for (let r = 0; r < rows.length; r++) {
        let d2 = 0;
        for (let c = 0; c < dim; c++) {
          const d = zc[c] - rows[r][c];
          d2 += d * d;
        }
        b[r] = a[r] / Math.max(spec.nu, Math.sqrt(d2));
        total += b[r];
      }
      zc.fill(0);
      for (let r = 0; r < rows.length; r++) {
        const w = b[r] / total;
        for (let c = 0; c < dim; c++) zc[c] += w * rows[r][c];
      }
    }
    for (let c = 0; c < dim; c++) out[c] = zc[c];
  },
});

export default definePlugin({ name: 'geometric-median', aggregations: [geometricMedian] });
