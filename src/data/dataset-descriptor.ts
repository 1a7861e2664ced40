// What a dataset kind is: its config schema, what the config checks may know of it cheaply (sizes,
// features, classes, shape), how to load it, which of its fields are files, and what memory it
// takes. One descriptor per kind in src/data/sets/; the registry (datasets.ts) lists them.
import type { z } from 'zod';
import type { Dataset } from '../types.js';
import type { DatasetInfo, DatasetInfoOptions } from './idx-dataset.js';

/** The memory a dataset takes while a run holds it. */
export interface DatasetMemory {
  /** what takes the memory, with the arithmetic */
  what: string;
  /** the config fields that size it */
  fields: string;
  bytes: number;
}

/** The sizes the memory estimate starts from: the loaded float32 copy and its copy into shared memory. */
export interface DatasetMemoryContext {
  readonly info: DatasetInfo;
  /** bytes of every example loaded as float32 plus a label byte */
  readonly loaded: number;
  /** bytes of the training set and the evaluated test examples in shared memory */
  readonly shared: number;
}

export interface DatasetDescriptor<S extends z.ZodDiscriminatedUnionOption<'kind'> = z.ZodDiscriminatedUnionOption<'kind'>, K extends string = string> {
  readonly kind: K;
  readonly schema: S;
  readonly summary: string;
  /** Sizes, features, classes (and shape for images), reading at most headers and labels. Throws DataError. */
  /** sizes from headers; `opts.memoryLimit` refuses what the headers declare beyond it before it is read */
  info(spec: z.output<S>, opts: DatasetInfoOptions): DatasetInfo;
  /** The examples (file-backed kinds may cache them); random kinds draw from `seed` only. Throws DataError. */
  load(spec: z.output<S>, seed: number): Dataset;
  /** Peak bytes while loaded and shared. */
  memory(spec: z.output<S>, m: DatasetMemoryContext): DatasetMemory;
  /** the spec's fields that name files, as paths into the spec (made absolute against the config's directory) */
  readonly files?: readonly (readonly string[])[];
  /** fixed, well-known data: the set-up line names it by kind alone (others show what was found in their files) */
  readonly wellKnown?: boolean;
}

export function defineDataset<S extends z.ZodDiscriminatedUnionOption<'kind'>, K extends string>(d: DatasetDescriptor<S, K>): DatasetDescriptor<S, K> {
  return d;
}

/** The memory of a dataset read from IDX files: loaded, shared, and the files' bytes (inflated) while scaled to float32. */
export function idxMemory(name: string, m: DatasetMemoryContext): DatasetMemory {
  const files = (m.info.train + m.info.test) * (m.info.features + 1);
  return { what: `${name}: loaded, shared copy and file buffers`, fields: 'data.dataset', bytes: m.loaded + m.shared + files };
}
