// The mimic attack (Karimireddy, He, Jaggi 2022, "Byzantine-robust learning on heterogeneous
// datasets via bucketing"): every attacker sends a copy of one honest peer's model, so that peer's
// data is over-represented and the others' under-represented; nothing about the message is odd,
// so distance-based defences do not see it. Here the copied peer is the honest in-neighbour of the
// receiver with the largest distance from the honest mean (a stand-in for the paper's direction of
// largest variance, per receiver), or `target` when given.
import { defineAttack, definePlugin, honestEntries, z } from 'plexus';

export const mimic = defineAttack({
  kind: 'mimic',
  schema: z.object({ kind: z.literal('mimic'), target: z.number().int().min(0).optional() }).strict(),
  summary: 'send a copy of one honest peer\'s model (over-represent it)',
  craft(spec, env, out) {
    const { dim, x } = env;
    let copied = spec.target ?? -1;
    if (copied < 0 || copied >= env.peers || env.adversarial[copied]) {
      // the receiver's honest rows (itself included), the one furthest from their mean
      const rows = honestEntries(env, env.to).map((p) => env.w.cols[p]);
      const mean = env.scratch64('mimic-mean', dim).fill(0);
      for (const r of rows) for (let c = 0; c < dim; c++) mean[c] += x[r * dim + c] / rows.length;
      let best = -1;
      for (const r of rows) {
        let d2 = 0;
        for (let c = 0; c < dim; c++) {
          const d = x[r * dim + c] - mean[c];
          d2 += d * d;
        }
        if (d2 > best) {
          best = d2;
          copied = r;
        }
      }
    }
    out.set(x.subarray(copied * dim, (copied + 1) * dim));
  },
});

export default definePlugin({ name: 'mimic', attacks: [mimic] });
