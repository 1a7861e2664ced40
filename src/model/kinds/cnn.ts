// A convolutional network (LeNet-5 style by default): conv blocks with max-pooling, dense layers, softmax.
import { z } from 'zod';
import { int } from '../../config/kinds.js';
import { CNN_DEFAULTS, convBlocks } from '../cnn-shape.js';
import { defineModel } from '../model-descriptor.js';

export const cnnModel = defineModel({
  kind: 'cnn',
  schema: z.object({
    kind: z.literal('cnn'),
    hidden: z.array(int(1)).optional(),
    conv: z.array(z.object({ filters: int(1), kernel: int(1), pool: int(1).default(1) }).strict()).min(1).optional(),
    dense: z.array(int(1)).optional(),
    activation: z.enum(['relu', 'tanh']).optional(),
  }).strict(),
  summary: 'convolutional network: conv blocks with max-pooling, dense layers, softmax',
  spec: (m, sizes) => ({
    kind: 'cnn', inputs: sizes.features, classes: sizes.classes, shape: sizes.shape,
    hidden: m.dense ?? m.hidden ?? CNN_DEFAULTS.dense, conv: m.conv ?? CNN_DEFAULTS.conv, activation: m.activation ?? CNN_DEFAULTS.activation,
  }),
  // its dense layers live in `hidden` like an mlp's
  resolve: (m) => {
    m.conv ??= CNN_DEFAULTS.conv.map((b) => ({ ...b }));
    m.dense ??= m.hidden ?? [...CNN_DEFAULTS.dense];
    m.hidden = m.dense;
    m.activation ??= CNN_DEFAULTS.activation;
  },
  check: (m, sizes) => {
    const out: string[] = [];
    if (m.hidden !== undefined && m.dense !== undefined && m.hidden.join() !== m.dense.join()) out.push('model.hidden: a cnn names its dense layers in model.dense; remove hidden');
    if (!sizes.shape) return [...out, 'data.dataset: a cnn needs image data with a shape (height, width, channels); this dataset has none: use an image dataset, or model kind mlp'];
    try {
      convBlocks(sizes.shape, m.conv ?? CNN_DEFAULTS.conv);
    } catch (e) {
      out.push((e as Error).message);
    }
    return out;
  },
  describe: (m) => `cnn[${(m.conv ?? []).map((b) => `${b.filters}c${b.kernel}${b.pool > 1 ? `p${b.pool}` : ''}`).join(',')};${(m.hidden ?? []).join(',')}] ${m.activation ?? 'relu'}`,
  sizeFields: 'peers, model.hidden',
  convScratch: true,
});
