// A multilayer perceptron: dense ReLU layers of model.hidden sizes, then softmax.
import { z } from 'zod';
import { int } from '../../config/kinds.js';
import { defineModel } from '../model-descriptor.js';

const DEFAULT_HIDDEN = [128];

export const mlpModel = defineModel({
  kind: 'mlp',
  schema: z.object({ kind: z.literal('mlp'), hidden: z.array(int(1)).optional() }).strict(),
  summary: 'multilayer perceptron: dense ReLU layers, softmax',
  spec: (m, sizes) => ({ kind: 'mlp', inputs: sizes.features, hidden: m.hidden ?? DEFAULT_HIDDEN, classes: sizes.classes }),
  resolve: (m) => {
    m.hidden ??= [...DEFAULT_HIDDEN];
  },
  describe: (m) => `mlp[${(m.hidden ?? []).join(',')}]`,
  sizeFields: 'peers, model.hidden',
});
