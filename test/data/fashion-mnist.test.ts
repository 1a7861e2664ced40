import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { fashionMnistInfo, FASHION_MNIST_DIR, hasFashionMnist, loadFashionMnist } from '../../src/data/fashion-mnist.js';
import { loadMnist } from '../../src/data/mnist.js';
import { plexus } from '../cli/helpers.js';
import { tempDataDir, writeText } from './fixtures.js';

const installed = hasFashionMnist();
const why = `Fashion-MNIST is not installed in ${FASHION_MNIST_DIR}: install Debian's dataset-fashion-mnist package (sudo apt-get install dataset-fashion-mnist; .ci/run does) to run this test`;

describe('Fashion-MNIST', () => {
  it.skipIf(!installed)(installed ? 'loads 60000 training and 10000 test images of 28x28x1 in 10 classes' : `loads ... (skipped: ${why})`, () => {
    expect(fashionMnistInfo()).toEqual({ train: 60000, test: 10000, features: 784, classes: 10, shape: { height: 28, width: 28, channels: 1 } });
    const d = loadFashionMnist();
    expect(d.name).toBe('fashion-mnist');
    expect(d.shape).toEqual({ height: 28, width: 28, channels: 1 });
    expect(d.train.x.length).toBe(60000 * 784);
    expect(d.test.y.length).toBe(10000);
    // the published first labels: ankle boot, T-shirt, T-shirt, dress, T-shirt
    expect(Array.from(d.train.y.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
    const counts = new Array(10).fill(0);
    for (const y of d.train.y) counts[y]++;
    expect(counts).toEqual(new Array(10).fill(6000));
    let max = 0;
    for (const v of d.test.x) if (v > max) max = v;
    expect(max).toBe(1);
    // not MNIST by another name
    expect(d.train.x.subarray(0, 784)).not.toEqual(loadMnist().train.x.subarray(0, 784));
    expect(loadFashionMnist()).toBe(d); // cached
  }, 60_000);

  it('names the package that installs the files when they are missing', () => {
    const empty = tempDataDir();
    expect(() => fashionMnistInfo(empty)).toThrow(DataError);
    expect(() => fashionMnistInfo(empty)).toThrow(/fashion-mnist needs train-images-idx3-ubyte\.gz, .*\(not found\); install them with: sudo apt-get install dataset-fashion-mnist/);
  });

  it('makes `plexus run` exit 2 with one line naming the install command when the files are missing', async () => {
    const dir = tempDataDir();
    const cfg = writeText(dir, 'fm.yaml', 'peers: 4\nrounds: 1\ndata: { dataset: fashion-mnist, examplesPerPeer: 32 }\n');
    const saved = process.env.PLEXUS_FASHION_MNIST_DIR;
    process.env.PLEXUS_FASHION_MNIST_DIR = dir; // the child inherits it; no files there
    try {
      const r = await plexus(['run', cfg, '--out', join(dir, 'run')], { timeout: 30_000 });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/sudo apt-get install dataset-fashion-mnist/);
    } finally {
      if (saved === undefined) delete process.env.PLEXUS_FASHION_MNIST_DIR;
      else process.env.PLEXUS_FASHION_MNIST_DIR = saved;
    }
  });

  it.skipIf(!installed)(installed ? 'ships an example config that resolves' : `ships an example config (skipped: ${why})`, async () => {
    const { loadConfigFile } = await import('../../src/config/resolve.js');
    const c = loadConfigFile(join(process.cwd(), 'experiments', 'fashion-mnist-mlp.yaml'));
    expect(c.data.dataset.kind).toBe('fashion-mnist');
    expect(readFileSync(join(process.cwd(), 'experiments', 'fashion-mnist-mlp.yaml'), 'utf8')).toMatch(/fashion-mnist/);
  });
});
