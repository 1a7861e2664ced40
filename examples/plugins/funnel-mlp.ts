// A model: a "funnel" multilayer perceptron whose hidden layers halve in width, from model.hidden's
// first width down to `depth` layers (784-256-128-64-10 for hidden: [256], 3 layers). It is a
// configuration of Plexus's own dense kernels, so it trains as fast as the built-in mlp and runs
// everywhere the built-ins do. (A model with a kernel of its own is not a plug-in sort yet.)
import { defineModel, definePlugin, z } from 'plexus';

const DEPTH = 3;

export const funnelMlp = defineModel({
  kind: 'funnel-mlp',
  schema: z.object({ kind: z.literal('funnel-mlp'), hidden: z.array(z.number().int().min(1)).length(1).optional() }).strict(),
  summary: `multilayer perceptron of ${DEPTH} dense ReLU layers halving in width from model.hidden[0]`,
  spec: (m, sizes) => {
    const first = m.hidden?.[0] ?? 64;
    const hidden = Array.from({ length: DEPTH }, (_, i) => Math.max(1, first >> i));
    return { kind: 'mlp', inputs: sizes.features, hidden, classes: sizes.classes };
  },
  resolve: (m) => {
    m.hidden ??= [64];
  },
  check: (m) => ((m.hidden?.[0] ?? 64) < 2 ** (DEPTH - 1) ? [`model.hidden: ${m.hidden?.[0]} cannot halve ${DEPTH - 1} times; use at least ${2 ** (DEPTH - 1)}`] : []),
  describe: (m) => `funnel-mlp[${m.hidden?.[0] ?? 64}, ${DEPTH} layers]`,
  sizeFields: 'peers, model.hidden',
});

export default definePlugin({ name: 'funnel-mlp', models: [funnelMlp] });
