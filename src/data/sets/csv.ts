// Tabular data from CSV files: one example per row, a label column, numeric features.
import { z } from 'zod';
import { loadCsvDataset, csvInfo } from '../csv.js';
import { defineDataset } from '../dataset-descriptor.js';

export const csvDataset = defineDataset({
  kind: 'csv',
  schema: z.object({ kind: z.literal('csv'), train: z.string().min(1), test: z.string().min(1), label: z.string().min(1) }).strict(),
  summary: 'rows of numeric features and a label column, from CSV files',
  info: (d) => csvInfo(d),
  load: (d) => loadCsvDataset(d),
  memory: (_s, { info, loaded, shared }) => ({
    what: `CSV: ${(info.train + info.test).toLocaleString('en-US')} rows x ${info.features.toLocaleString('en-US')} features, loaded and shared`,
    fields: 'data.dataset',
    bytes: loaded + shared,
  }),
  files: [['train'], ['test']],
});
