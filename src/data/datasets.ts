// The dataset registry: the list of dataset kinds (src/data/sets/, one file each). Their schemas
// make the config's `data.dataset` union; plug-ins add to it.
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { unionOfKinds } from '../config/kinds.js';
import { KindRegistry } from '../config/registry.js';
import type { Dataset } from '../types.js';
import type { DatasetDescriptor, DatasetMemory } from './dataset-descriptor.js';
import type { DatasetInfo, DatasetInfoOptions } from './idx-dataset.js';
import { blobsDataset } from './sets/blobs.js';
import { csvDataset } from './sets/csv.js';
import { fashionMnistDataset } from './sets/fashion-mnist.js';
import { idxDataset } from './sets/idx.js';
import { mnistDataset } from './sets/mnist.js';

export type { DatasetInfo, DatasetInfoOptions } from './idx-dataset.js';
export { defineDataset, type DatasetDescriptor, type DatasetMemory, type DatasetMemoryContext } from './dataset-descriptor.js';

export const datasets = [mnistDataset, fashionMnistDataset, blobsDataset, idxDataset, csvDataset] as const;

const builtInSchema = unionOfKinds(datasets);
/** The built-ins and the datasets plug-ins add. */
export const datasetRegistry = new KindRegistry<DatasetDescriptor>('data.dataset', 'datasets', datasets as unknown as readonly DatasetDescriptor[]);
export const datasetSchema = datasetRegistry.lazySchema<typeof builtInSchema>();

export type DatasetSpec = z.output<typeof builtInSchema>;
export type DatasetKind = DatasetSpec['kind'];

/** The dataset of a config that names none. */
export const DEFAULT_DATASET: DatasetSpec = { kind: mnistDataset.kind };

export function datasetOf(kind: string): DatasetDescriptor {
  return datasetRegistry.get(kind);
}

/**
 * Sizes, features, classes (and shape for images), reading at most headers and labels; sizes the
 * headers declare beyond `opts.memoryLimit` are refused before they are read. Throws DataError.
 */
export function datasetInfo(spec: DatasetSpec, opts: DatasetInfoOptions = {}): DatasetInfo {
  return datasetOf(spec.kind).info(spec as never, opts);
}

/** Loads the dataset a config names (file-backed kinds are cached). Throws DataError. */
export function loadDatasetOf(spec: DatasetSpec, seed: number): Dataset {
  return datasetOf(spec.kind).load(spec as never, seed);
}

/** The memory the dataset takes when `testN` test examples are evaluated. */
export function datasetMemory(spec: DatasetSpec, testN: number): DatasetMemory {
  const info = datasetInfo(spec);
  const example = info.features * 4 + 1;
  return datasetOf(spec.kind).memory(spec as never, { info, loaded: (info.train + info.test) * example, shared: (info.train + testN) * example });
}

/**
 * The spec with its relative file paths made absolute against `baseDir` (the config file's
 * directory). Works on a parsed spec and on raw config input alike (a sweep's base config).
 */
export function withDatasetBaseDir<T>(spec: T, baseDir: string): T {
  const kind = spec && typeof spec === 'object' ? (spec as { kind?: unknown }).kind : undefined;
  const fields = typeof kind === 'string' && datasetRegistry.has(kind) ? datasetOf(kind).files : undefined;
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
