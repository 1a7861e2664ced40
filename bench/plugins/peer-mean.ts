// The mixing-weighted mean written as a plug-in in the simple per-peer form, against which the
// built-in mean (the engine's SIMD kernel) is measured: `npm run bench -- --plugins`. It reads
// up to four rows per pass over `out` (one pass per row costs about twice as much in V8).
import { definePeerAggregation, definePlugin, z } from 'plexus';

export const peerMean = definePeerAggregation({
  kind: 'peer-mean',
  schema: z.object({ kind: z.literal('peer-mean') }).strict(),
  summary: 'the mixing-weighted mean, one peer at a time (a plug-in)',
  merge(_spec, { own, selfWeight, neighbours, weights }, out) {
    const dim = own.length;
    for (let c = 0; c < dim; c++) out[c] = selfWeight * own[c];
    let k = 0;
    for (; k + 4 <= neighbours.length; k += 4) {
      const [r0, r1, r2, r3] = neighbours.slice(k, k + 4);
      const [a0, a1, a2, a3] = weights.slice(k, k + 4);
      for (let c = 0; c < dim; c++) out[c] += a0 * r0[c] + a1 * r1[c] + a2 * r2[c] + a3 * r3[c];
    }
    for (; k < neighbours.length; k++) {
      const row = neighbours[k];
      const a = weights[k];
      for (let c = 0; c < dim; c++) out[c] += a * row[c];
    }
  },
});

export default definePlugin({ name: 'peer-mean', aggregations: [peerMean] });
