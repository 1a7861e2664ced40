// A metric: the L2 norm of the peers' parameter rows. Its mean over the honest peers goes on every
// round's line of metrics.jsonl (meanRowNorm), and each peer's norm on peers.jsonl on evaluation
// rounds (rowNorm): how weights grow under a learning rate, an attack or DP noise.
import { defineMetric, definePlugin, z } from 'plexus';

export const rowNorm = defineMetric({
  kind: 'row-norm',
  schema: z.object({ kind: z.literal('row-norm') }).strict(),
  summary: "the L2 norm of the peers' rows: mean over honest peers, and per peer",
  fields: ['meanRowNorm'],
  peerFields: ['rowNorm'],
  every: 'round',
  measure(_spec, { rows, dim, peers, honest, evaluation }) {
    const norm = (p: number) => {
      let sq = 0;
      for (let c = p * dim; c < (p + 1) * dim; c++) sq += rows[c] * rows[c];
      return Math.sqrt(sq);
    };
    let sum = 0;
    for (const p of honest) sum += norm(p);
    const out: Record<string, number | number[]> = { meanRowNorm: sum / honest.length };
    // per peer only on evaluation rounds (peers.jsonl has a line then)
    if (evaluation) out.rowNorm = Array.from({ length: peers }, (_, p) => norm(p));
    return out;
  },
});

export default definePlugin({ name: 'row-norm', metrics: [rowNorm] });
