// Epidemic Learning (de Vos, Farhadkhani, Guerraoui, Kermarrec, Pires, Sharma; NeurIPS 2023), the
// EL-Local variant: every round each peer takes its local steps, then sends its model to `s` other
// peers drawn uniformly at random (a fresh draw each round, from its own seeded stream), and each
// peer replaces its model with the plain average of its own and every model it received. The
// configured topology is not used for exchange: EL's overlay is the complete graph, sampled.
import { defineProtocol, definePlugin, createRng, z, type MixingMatrix } from 'plexus';

/** The round's receiver-side mixing matrix: row i averages i and the senders that picked i. */
function epidemicMixing(peers: number, s: number, seed: number, round: number): { w: MixingMatrix; sent: Float64Array } {
  const senders: number[][] = Array.from({ length: peers }, () => []);
  const others = new Int32Array(peers - 1);
  for (let j = 0; j < peers; j++) {
    // s distinct targets other than j: a partial Fisher-Yates over the other peers
    const rng = createRng(seed, 'epidemic', j, round);
    for (let k = 0, v = 0; v < peers; v++) if (v !== j) others[k++] = v;
    for (let k = 0; k < s; k++) {
      const pick = k + rng.int(peers - 1 - k);
      const t = others[pick];
      others[pick] = others[k];
      others[k] = t;
      senders[t].push(j);
    }
  }
  const offsets = new Int32Array(peers + 1);
  for (let i = 0; i < peers; i++) offsets[i + 1] = offsets[i] + 1 + senders[i].length;
  const cols = new Int32Array(offsets[peers]);
  const weights = new Float64Array(offsets[peers]);
  for (let i = 0; i < peers; i++) {
    const row = [i, ...senders[i]].sort((a, b) => a - b);
    row.forEach((c, k) => {
      cols[offsets[i] + k] = c;
      weights[offsets[i] + k] = 1 / row.length;
    });
  }
  return { w: { n: peers, offsets, cols, weights }, sent: new Float64Array(peers).fill(s) };
}

export const epidemicLearning = defineProtocol({
  kind: 'epidemic-learning',
  schema: z.object({ kind: z.literal('epidemic-learning'), s: z.number().int().min(1) }).strict(),
  summary: 'Epidemic Learning (EL-Local): send to s random peers each round, average what arrives',
  needs: { time: 'sync', directed: true, timeVarying: false, aggregation: true, live: true },
  check: (spec, config) => (spec.s >= config.peers ? [`protocol.s: ${spec.s} targets among ${config.peers - 1} other peers; use s at most ${config.peers - 1}`] : []),
  messageBytes: (_spec, dim) => dim * 4,
  create: (spec, ctx) => ({
    async round(ops, round) {
      const { w, sent } = epidemicMixing(ops.peers, spec.s, ctx.seed, round);
      await ops.trainThenMix(round, w);
      const perPeer = sent.map((k) => k * ctx.messageBytes);
      return { bytes: perPeer.reduce((a, b) => a + b, 0), perPeer };
    },
  }),
});

export default definePlugin({ name: 'epidemic-learning', protocols: [epidemicLearning] });
