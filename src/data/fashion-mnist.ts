// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) from Debian's dataset-fashion-mnist package: the
// four gzip'd IDX files under /usr/share/datasets/fashion-mnist/ (PLEXUS_FASHION_MNIST_DIR overrides).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import type { Dataset } from '../types.js';
import { idxInfo, loadIdxDataset, type DatasetInfo, type DatasetInfoOptions, type IdxFiles } from './idx-dataset.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_INSTALL = 'sudo apt-get install dataset-fashion-mnist';
/** The class names, by label. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

const NAMES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'] as const;

export function fashionMnistDir(): string {
  return process.env.PLEXUS_FASHION_MNIST_DIR || FASHION_MNIST_DIR;
}

/** The four files, or a one-line DataError naming the command that installs them. */
export function fashionMnistFiles(dir = fashionMnistDir()): IdxFiles {
  const missing = NAMES.filter((n) => !existsSync(join(dir, n)));
  if (missing.length > 0) {
    throw new DataError(`data.dataset: fashion-mnist needs ${missing.join(', ')} in ${dir} (not found); install them with: ${FASHION_MNIST_INSTALL}`);
  }
  const at = (n: string) => join(dir, n);
  return { train: { images: at(NAMES[0]), labels: at(NAMES[1]) }, test: { images: at(NAMES[2]), labels: at(NAMES[3]) } };
}

export function fashionMnistInfo(dir?: string, opts: DatasetInfoOptions = {}): DatasetInfo {
  return idxInfo(fashionMnistFiles(dir), opts);
}

/** Loads Fashion-MNIST: 60000 + 10000 images of 28x28x1, 10 classes, pixels in [0,1]. */
export function loadFashionMnist(dir?: string): Dataset {
  return loadIdxDataset(fashionMnistFiles(dir), 'fashion-mnist');
}

/** True when the package's files are there (tests skip without them). */
export function hasFashionMnist(dir?: string): boolean {
  return NAMES.every((n) => existsSync(join(dir ?? fashionMnistDir(), n)));
}
