// Fashion-MNIST (Xiao et al. 2017): Zalando's 28x28 clothing images, a drop-in for MNIST.
import { z } from 'zod';
import { defineDataset, idxMemory } from '../dataset-descriptor.js';
import { fashionMnistInfo, loadFashionMnist } from '../fashion-mnist.js';

export const fashionMnistDataset = defineDataset({
  kind: 'fashion-mnist',
  schema: z.object({ kind: z.literal('fashion-mnist') }).strict(),
  summary: 'clothing images, 28x28 grey, 10 classes',
  info: (_d, opts) => fashionMnistInfo(undefined, opts),
  load: () => loadFashionMnist(),
  memory: (_s, m) => idxMemory('Fashion-MNIST', m),
});
