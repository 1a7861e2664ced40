// Any dataset in IDX files (the MNIST format): images and labels for train and test.
import { z } from 'zod';
import { defineDataset, idxMemory } from '../dataset-descriptor.js';
import { idxInfo, loadIdxDataset } from '../idx-dataset.js';

const split = z.object({ images: z.string().min(1), labels: z.string().min(1) }).strict();

export const idxDataset = defineDataset({
  kind: 'idx',
  schema: z.object({ kind: z.literal('idx'), train: split, test: split }).strict(),
  summary: 'images and labels read from IDX files',
  info: (d, opts) => idxInfo(d, opts),
  load: (d) => loadIdxDataset(d),
  memory: (_s, m) => idxMemory('IDX', m),
  files: [['train', 'images'], ['train', 'labels'], ['test', 'images'], ['test', 'labels']],
});
