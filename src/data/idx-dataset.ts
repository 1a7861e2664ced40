// Image datasets from IDX files (any size and channel count): images N x H x W or N x H x W x C
// of unsigned bytes, labels N unsigned bytes used as classes. Shape and classes (max label + 1)
// come from the files; pixels are scaled to [0,1]. idxInfo reads only headers and labels.
import { statSync } from 'node:fs';
import { defaultMemoryLimit, type MemoryLimit } from '../config/memory-limit.js';
import { DataError } from '../errors.js';
import { formatBytes } from '../safe-file.js';
import type { DataSplit, Dataset, InputShape } from '../types.js';
import { readIdxFile, readIdxHeader } from './idx-file.js';

export interface IdxSplitFiles {
  readonly images: string;
  readonly labels: string;
}
export interface IdxFiles {
  readonly train: IdxSplitFiles;
  readonly test: IdxSplitFiles;
}

/** What a config check needs to know about a dataset, without loading its examples. */
export interface DatasetInfo {
  readonly train: number;
  readonly test: number;
  readonly features: number;
  readonly classes: number;
  readonly shape?: InputShape;
  /** class index -> the label it stands for, when labels were strings (CSV) */
  readonly labelNames?: readonly string[];
}

const infoCache = new Map<string, DatasetInfo>();
const dataCache = new Map<string, Dataset>();

export interface DatasetInfoOptions {
  /** the run's memory limit (default: defaultMemoryLimit()); data the headers declare beyond it is never read */
  readonly memoryLimit?: MemoryLimit;
}

/**
 * Sizes, shape and classes from the image headers and the label files (the small ones). The
 * headers' counts are checked against each other and against the memory limit before any label
 * is read or inflated.
 */
export function idxInfo(files: IdxFiles, opts: DatasetInfoOptions = {}): DatasetInfo {
  const key = cacheKey(pathsOf(files));
  const hit = infoCache.get(key);
  if (hit) return hit;
  const train = imagesInfo(files.train);
  const test = imagesInfo(files.test);
  const a = train.shape, b = test.shape;
  if (a.height !== b.height || a.width !== b.width || a.channels !== b.channels) {
    throw new DataError(`${files.test.images}: images are ${shapeText(b)}, the training images (${files.train.images}) ${shapeText(a)}; both splits need the same shape`);
  }
  const features = a.height * a.width * a.channels;
  checkFits(files, train.n + test.n, features, opts.memoryLimit ?? defaultMemoryLimit());
  const maxLabel = Math.max(maxOf(readLabels(files.train.labels, train.n, files.train.images)), maxOf(readLabels(files.test.labels, test.n, files.test.images)));
  const info: DatasetInfo = Object.freeze({ train: train.n, test: test.n, features, shape: a, classes: maxLabel + 1 });
  infoCache.set(key, info);
  return info;
}

/** Loads both splits (cached by paths, sizes and modification times). */
export function loadIdxDataset(files: IdxFiles, name = 'idx'): Dataset {
  const key = `${name}\n${cacheKey(pathsOf(files))}`;
  const hit = dataCache.get(key);
  if (hit) return hit;
  const info = idxInfo(files);
  const dataset: Dataset = Object.freeze({
    name, features: info.features, shape: info.shape, classes: info.classes,
    train: loadSplit(files.train, info.train, info.features), test: loadSplit(files.test, info.test, info.features),
  });
  dataCache.set(key, dataset);
  return dataset;
}

/** The images as float32 alone (a lower bound of what a run holds) must fit the memory limit. */
function checkFits(files: IdxFiles, examples: number, features: number, limit: MemoryLimit): void {
  const bytes = examples * (features * 4 + 1);
  if (bytes <= limit.bytes) return;
  throw new DataError(
    `${[...new Set([files.train.images, files.test.images])].join(', ')}: the IDX headers declare ${examples.toLocaleString('en-US')} images of ${features.toLocaleString('en-US')} values, ` +
      `${formatBytes(bytes)} once loaded, more than the memory limit of ${formatBytes(limit.bytes)} (${limit.source}); ` +
      'check the files\' headers, use a smaller dataset, or raise the limit with --max-memory',
  );
}

function maxOf(labels: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  return max;
}

function imagesInfo(f: IdxSplitFiles): { n: number; shape: InputShape } {
  const h = readIdxHeader(f.images);
  const d = h.dims;
  if (d.length !== 3 && d.length !== 4) {
    throw new DataError(`${f.images}: images have dims [${d.join(', ')}]; expected N x height x width or N x height x width x channels`);
  }
  if (d.some((x) => x === 0)) throw new DataError(`${f.images}: dims [${d.join(', ')}] hold no images; every dimension must be at least 1`);
  return { n: d[0], shape: { height: d[1], width: d[2], channels: d.length === 4 ? d[3] : 1 } };
}

/** The labels, after their header's count is checked against the images (so a forged count is never inflated). */
function readLabels(path: string, n: number, images: string): Uint8Array {
  const dims = readIdxHeader(path).dims;
  if (dims.length !== 1) throw new DataError(`${path}: labels have dims [${dims.join(', ')}]; expected one label per image, dims [N]`);
  if (dims[0] !== n) throw new DataError(`${path}: ${dims[0]} labels for the ${n} images of ${images}; every image needs one label`);
  const l = readIdxFile(path, { maxDataBytes: { bytes: n, why: `expected ${n} labels (it changed while read?)` } });
  if (l.dims.length !== 1 || l.dims[0] !== n) throw new DataError(`${path}: changed while loading; load it again`);
  return l.data;
}

function loadSplit(f: IdxSplitFiles, n: number, features: number): DataSplit {
  const images = readIdxFile(f.images, { maxDataBytes: { bytes: n * features, why: `expected ${n} images of ${features} values (it changed while read?)` } });
  if (images.dims[0] !== n) throw new DataError(`${f.images}: changed while loading (${images.dims[0]} images, ${n} before); load it again`);
  const y = readLabels(f.labels, n, f.images).slice();
  return { n, x: toUnitFloat(images.data), y };
}

/** Bytes -> Float32 in [0,1], one tight pass. */
export function toUnitFloat(src: Uint8Array): Float32Array {
  const out = new Float32Array(src.length);
  const scale = 1 / 255;
  for (let i = 0; i < src.length; i++) out[i] = src[i] * scale;
  return out;
}

function pathsOf(f: IdxFiles): string[] {
  return [f.train.images, f.train.labels, f.test.images, f.test.labels];
}

function shapeText(s: InputShape): string {
  return `${s.height}x${s.width}x${s.channels}`;
}

/** Paths plus sizes and modification times, so an edited file is read again. */
export function cacheKey(paths: readonly string[]): string {
  return paths.map((p) => {
    try {
      const s = statSync(p);
      return `${p}:${s.size}:${s.mtimeMs}`;
    } catch {
      return `${p}:missing`;
    }
  }).join('\n');
}
