// The mixing-weighted mean written as a plug-in in the simple per-peer form, against which the
// built-in mean (the engine's SIMD kernel) is measured: `npm run bench -- --plugins`. It reads
// the own row and four neighbours in one pass over `out` (one pass per row costs about twice as
// much in V8).
import { definePeerAggregation, definePlugin, z } from 'plexus';

export const peerMean = definePeerAggregation({
  kind: 'peer-mean',
  schema: z.object({ kind: z.literal('peer-mean') }).strict(),
  summary: 'the mixing-weighted mean, one peer at a time (a plug-in)',
  merge(_spec, { own, selfWeight, neighbours, weights }, out) {
    const dim = own.length;
    // the own row and the first four neighbours in one pass; any others four at a time
    const [r0, r1, r2, r3] = [0, 1, 2, 3].map((k) => neighbours[k] ?? own);
    const [a0, a1, a2, a3] = [0, 1, 2, 3].map((k) => (k < neighbours.length ? weights[k] : 0));
    for (let c = 0; c < dim; c++) out[c] = selfWeight * own[c] + a0 * r0[c] + a1 * r1[c] + a2 * r2[c] + a3 * r3[c];
    let k = 4;
    for (; k + 4 <= neighbours.length; k += 4) {
      const [q0, q1, q2, q3] = neighbours.slice(k, k + 4);
      const [b0, b1, b2, b3] = weights.slice(k, k + 4);
      for (let c = 0; c < dim; c++) out[c] += b0 * q0[c] + b1 * q1[c] + b2 * q2[c] + b3 * q3[c];
    }
    for (; k < neighbours.length; k++) {
      const row = neighbours[k];
      const a = weights[k];
      for (let c = 0; c < dim; c++) out[c] += a * row[c];
    }
  },
});

export default definePlugin({ name: 'peer-mean', aggregations: [peerMean] });
