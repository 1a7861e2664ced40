// Image datasets from IDX files (any size and channel count): images N x H x W or N x H x W x C
// of unsigned bytes, labels N unsigned bytes used as classes. Shape and classes (max label + 1)
// come from the files; pixels are scaled to [0,1]. idxInfo reads only headers and labels.
import { statSync } from 'node:fs';
import { DataError } from '../errors.js';
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

/** Sizes, shape and classes from the image headers and the label files (the small ones). */
export function idxInfo(files: IdxFiles): DatasetInfo {
  const key = cacheKey(pathsOf(files));
  const hit = infoCache.get(key);
  if (hit) return hit;
  const train = splitInfo(files.train);
  const test = splitInfo(files.test);
  const a = train.shape, b = test.shape;
  if (a.height !== b.height || a.width !== b.width || a.channels !== b.channels) {
    throw new DataError(`${files.test.images}: images are ${shapeText(b)}, the training images (${files.train.images}) ${shapeText(a)}; both splits need the same shape`);
  }
  const info: DatasetInfo = Object.freeze({
    train: train.n, test: test.n, features: a.height * a.width * a.channels, shape: a, classes: Math.max(train.maxLabel, test.maxLabel) + 1,
  });
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
    train: loadSplit(files.train, info.train), test: loadSplit(files.test, info.test),
  });
  dataCache.set(key, dataset);
  return dataset;
}

function splitInfo(f: IdxSplitFiles): { n: number; shape: InputShape; maxLabel: number } {
  const h = readIdxHeader(f.images);
  const d = h.dims;
  if (d.length !== 3 && d.length !== 4) {
    throw new DataError(`${f.images}: images have dims [${d.join(', ')}]; expected N x height x width or N x height x width x channels`);
  }
  if (d.some((x) => x === 0)) throw new DataError(`${f.images}: dims [${d.join(', ')}] hold no images; every dimension must be at least 1`);
  const shape: InputShape = { height: d[1], width: d[2], channels: d.length === 4 ? d[3] : 1 };
  const labels = readLabels(f.labels, d[0], f.images);
  let maxLabel = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
  return { n: d[0], shape, maxLabel };
}

function readLabels(path: string, n: number, images: string): Uint8Array {
  const l = readIdxFile(path);
  if (l.dims.length !== 1) throw new DataError(`${path}: labels have dims [${l.dims.join(', ')}]; expected one label per image, dims [N]`);
  if (l.dims[0] !== n) throw new DataError(`${path}: ${l.dims[0]} labels for the ${n} images of ${images}; every image needs one label`);
  return l.data;
}

function loadSplit(f: IdxSplitFiles, n: number): DataSplit {
  const images = readIdxFile(f.images);
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
