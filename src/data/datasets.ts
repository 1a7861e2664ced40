// The dataset registry: each kind's config schema, what config checks may know of it cheaply
// (sizes, features, classes, shape: `info`) and how to load it. A missing kind fails to compile.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { int, taggedUnion } from '../config/kinds.js';
import { createRng } from '../rng.js';
import type { Dataset } from '../types.js';
import { createBlobs } from './blobs.js';
import { csvInfo, loadCsvDataset } from './csv.js';
import { fashionMnistInfo, loadFashionMnist } from './fashion-mnist.js';
import { idxInfo, loadIdxDataset, type DatasetInfo, type DatasetInfoOptions } from './idx-dataset.js';
import { loadMnist, MNIST_INFO } from './mnist.js';

export type { DatasetInfo, DatasetInfoOptions } from './idx-dataset.js';

const idxSplit = z.object({ images: z.string().min(1), labels: z.string().min(1) }).strict();

export const datasetSchema = taggedUnion([
  z.object({ kind: z.literal('mnist') }).strict(),
  z.object({ kind: z.literal('fashion-mnist') }).strict(),
  z.object({
    kind: z.literal('blobs'),
    classes: int(2).default(10),
    features: int(1).default(32),
    trainSize: int(1).default(60000),
    testSize: int(1).default(10000),
    separation: z.number().positive().default(3),
  }).strict(),
  z.object({ kind: z.literal('idx'), train: idxSplit, test: idxSplit }).strict(),
  z.object({ kind: z.literal('csv'), train: z.string().min(1), test: z.string().min(1), label: z.string().min(1) }).strict(),
], { named: true });

export type DatasetSpec = z.output<typeof datasetSchema>;
export type DatasetKind = DatasetSpec['kind'];
type SpecOf<K extends DatasetKind> = Extract<DatasetSpec, { kind: K }>;

interface DatasetEntry<K extends DatasetKind> {
  info(spec: SpecOf<K>, opts: DatasetInfoOptions): DatasetInfo;
  load(spec: SpecOf<K>, seed: number): Dataset;
}

const MNIST_SHAPE = { height: 28, width: 28, channels: 1 };

const registry: { [K in DatasetKind]: DatasetEntry<K> } = {
  mnist: {
    info: () => ({ train: MNIST_INFO.trainSize, test: MNIST_INFO.testSize, features: MNIST_INFO.features, classes: MNIST_INFO.classes, shape: MNIST_SHAPE }),
    load: () => loadMnist(),
  },
  'fashion-mnist': {
    info: (_d, opts) => fashionMnistInfo(undefined, opts),
    load: () => loadFashionMnist(),
  },
  blobs: {
    info: (d) => ({ train: d.trainSize, test: d.testSize, features: d.features, classes: d.classes }),
    load: (d, seed) => createBlobs(
      { classes: d.classes, features: d.features, trainSize: d.trainSize, testSize: d.testSize, separation: d.separation },
      createRng(seed, 'blobs'),
    ),
  },
  idx: {
    info: (d, opts) => idxInfo(d, opts),
    load: (d) => loadIdxDataset(d),
  },
  csv: {
    info: (d) => csvInfo(d),
    load: (d) => loadCsvDataset(d),
  },
};

/**
 * Sizes, features, classes (and shape for images), reading at most headers and labels; sizes the
 * headers declare beyond `opts.memoryLimit` are refused before they are read. Throws DataError.
 */
export function datasetInfo(spec: DatasetSpec, opts: DatasetInfoOptions = {}): DatasetInfo {
  return (registry[spec.kind] as DatasetEntry<DatasetKind>).info(spec, opts);
}

/** Loads the dataset a config names (file-backed kinds are cached). Throws DataError. */
export function loadDatasetOf(spec: DatasetSpec, seed: number): Dataset {
  return (registry[spec.kind] as DatasetEntry<DatasetKind>).load(spec, seed);
}

/** The file fields of each kind that has files: paths into the spec. */
const FILE_FIELDS: Partial<Record<DatasetKind, readonly (readonly string[])[]>> = {
  idx: [['train', 'images'], ['train', 'labels'], ['test', 'images'], ['test', 'labels']],
  csv: [['train'], ['test']],
};

/**
 * The spec with its relative file paths made absolute against `baseDir` (the config file's
 * directory). Works on a parsed spec and on raw config input alike (a sweep's base config).
 */
export function withDatasetBaseDir<T>(spec: T, baseDir: string): T {
  const fields = spec && typeof spec === 'object' ? FILE_FIELDS[(spec as { kind?: DatasetKind }).kind!] : undefined;
  if (!fields) return spec;
  const out = structuredClone(spec) as Record<string, unknown>;
  for (const path of fields) {
    let parent: Record<string, unknown> | undefined = out;
    for (const k of path.slice(0, -1)) parent = parent && typeof parent[k] === 'object' ? (parent[k] as Record<string, unknown>) : undefined;
    const last = path[path.length - 1];
    const v = parent?.[last];
    if (parent && typeof v === 'string' && v !== '' && !isAbsolute(v)) parent[last] = resolve(baseDir, v);
  }
  return out as T;
}
