import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { loadMnist, MNIST_INFO } from '../../src/data/mnist.js';

function classCounts(y: Uint8Array): number[] {
  const counts = new Array(10).fill(0);
  for (const v of y) counts[v]++;
  return counts;
}

describe('loadMnist', () => {
  it('loads 60000 training and 10000 test images of 784 features', () => {
    const d = loadMnist();
    expect(d.name).toBe('mnist');
    expect(d.features).toBe(784);
    expect(d.classes).toBe(10);
    expect(d.train.n).toBe(60000);
    expect(d.test.n).toBe(10000);
    expect(d.train.x).toBeInstanceOf(Float32Array);
    expect(d.train.x.length).toBe(60000 * 784);
    expect(d.test.x.length).toBe(10000 * 784);
    expect(d.train.y).toBeInstanceOf(Uint8Array);
    expect(d.train.y.length).toBe(60000);
    expect(d.test.y.length).toBe(10000);
  });

  it('agrees with MNIST_INFO, which needs no loading', () => {
    const d = loadMnist();
    expect(MNIST_INFO).toEqual({ features: d.features, classes: d.classes, trainSize: d.train.n, testSize: d.test.n });
  });

  it('scales pixels into [0, 1] with both ends reached', () => {
    const { x } = loadMnist().train;
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < x.length; i++) {
      if (x[i] < lo) lo = x[i];
      if (x[i] > hi) hi = x[i];
    }
    expect(lo).toBe(0);
    expect(hi).toBeCloseTo(1, 6);
    expect(hi).toBeLessThanOrEqual(1);
  });

  it('has the well-known first labels: 5 in train and 7 in test', () => {
    const d = loadMnist();
    expect(d.train.y[0]).toBe(5);
    expect(d.test.y[0]).toBe(7);
  });

  it('has the published class counts, which sum to each split size', () => {
    const d = loadMnist();
    const train = classCounts(d.train.y);
    const test = classCounts(d.test.y);
    expect(train).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(test).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(train.reduce((a, b) => a + b)).toBe(60000);
    expect(test.reduce((a, b) => a + b)).toBe(10000);
  });

  it('returns the same cached object on a second call', () => {
    expect(loadMnist()).toBe(loadMnist());
  });

  describe('with a bad directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plexus-mnist-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('says where it looked and to run npm install when the files are missing', () => {
      const missing = join(dir, 'nowhere');
      expect(() => loadMnist({ dir: missing })).toThrow(DataError);
      expect(() => loadMnist({ dir: missing })).toThrow(new RegExp(`${join(missing, 'train-images-idx3-ubyte')}.*npm install`));
    });

    it('rejects image files of the wrong shape', () => {
      // A valid IDX header declaring 2 images of 2x2: parses, but is not MNIST.
      const images = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
      const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 3, 4]);
      writeFileSync(join(dir, 'train-images-idx3-ubyte'), images);
      writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels);
      expect(() => loadMnist({ dir })).toThrow(/dims \[2, 2, 2\], expected \[60000, 28, 28\]/);
    });
  });
});
