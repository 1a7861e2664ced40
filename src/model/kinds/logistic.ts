// Multinomial logistic regression: one dense layer from the inputs to the classes.
import { z } from 'zod';
import { defineModel } from '../model-descriptor.js';

export const logisticModel = defineModel({
  kind: 'logistic',
  // hidden is taken to be refused with a message that says why (resolved configs hold hidden: [])
  schema: z.object({ kind: z.literal('logistic'), hidden: z.array(z.number()).optional() }).strict(),
  summary: 'logistic regression: one dense layer, softmax',
  spec: (_m, sizes) => ({ kind: 'logistic', inputs: sizes.features, hidden: [], classes: sizes.classes }),
  resolve: (m) => {
    m.hidden = [];
  },
  check: (m) => (m.hidden && m.hidden.length > 0 ? ['model.hidden: logistic regression has no hidden layers; remove model.hidden or use kind: mlp'] : []),
  describe: () => 'logistic',
  sizeFields: 'peers',
});
