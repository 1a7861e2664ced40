// Synthetic Gaussian blobs: one cluster per class, drawn from the run's seed.
import { z } from 'zod';
import { int } from '../../config/kinds.js';
import { createRng } from '../../rng.js';
import { createBlobs } from '../blobs.js';
import { defineDataset } from '../dataset-descriptor.js';

export const blobsDataset = defineDataset({
  kind: 'blobs',
  schema: z.object({
    kind: z.literal('blobs'),
    classes: int(2).default(10),
    features: int(1).default(32),
    trainSize: int(1).default(60000),
    testSize: int(1).default(10000),
    separation: z.number().positive().default(3),
  }).strict(),
  summary: 'Gaussian clusters, one per class, drawn from the seed',
  info: (d) => ({ train: d.trainSize, test: d.testSize, features: d.features, classes: d.classes }),
  load: (d, seed) => createBlobs(
    { classes: d.classes, features: d.features, trainSize: d.trainSize, testSize: d.testSize, separation: d.separation },
    createRng(seed, 'blobs'),
  ),
  // drawn as float64 samples, rescaled to float32, then copied into shared memory
  memory: (_s, { info, shared }) => ({
    what: `blobs: ${(info.train + info.test).toLocaleString('en-US')} examples x ${info.features.toLocaleString('en-US')} features, drawn in float64, kept in float32 and shared`,
    fields: 'data.dataset.features, data.dataset.trainSize',
    bytes: (info.train + info.test) * info.features * (8 + 4) + shared,
  }),
  wellKnown: true,
});
