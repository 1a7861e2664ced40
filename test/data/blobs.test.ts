import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { createBlobs, type BlobsOptions } from '../../src/data/blobs.js';
import type { Dataset, DataSplit } from '../../src/types.js';
import { createRng } from '../../src/rng.js';

const opts: BlobsOptions = { classes: 10, features: 20, trainSize: 2000, testSize: 500 };
const blobs = (seed: number, o: BlobsOptions = opts): Dataset => createBlobs(o, createRng(seed, 'blobs'));

/** Accuracy on test of the nearest train-class mean: a linear classifier, so a floor for logistic regression. */
function nearestMeanAccuracy(d: Dataset): number {
  const { classes: c, features: f } = d;
  const mean = new Float64Array(c * f);
  const count = new Float64Array(c);
  for (let i = 0; i < d.train.n; i++) {
    count[d.train.y[i]]++;
    for (let j = 0; j < f; j++) mean[d.train.y[i] * f + j] += d.train.x[i * f + j];
  }
  for (let k = 0; k < c; k++) for (let j = 0; j < f; j++) mean[k * f + j] /= count[k];
  let correct = 0;
  for (let i = 0; i < d.test.n; i++) {
    let best = -1, bestDist = Infinity;
    for (let k = 0; k < c; k++) {
      let dist = 0;
      for (let j = 0; j < f; j++) dist += (d.test.x[i * f + j] - mean[k * f + j]) ** 2;
      if (dist < bestDist) [best, bestDist] = [k, dist];
    }
    if (best === d.test.y[i]) correct++;
  }
  return correct / d.test.n;
}

function counts(s: DataSplit, classes: number): number[] {
  const c = new Array(classes).fill(0);
  for (const y of s.y) c[y]++;
  return c;
}

describe('createBlobs', () => {
  it('has the requested shape and the name blobs', () => {
    const d = blobs(1);
    expect(d).toMatchObject({ name: 'blobs', classes: 10, features: 20 });
    expect(d.train.n).toBe(2000);
    expect(d.train.x.length).toBe(2000 * 20);
    expect(d.test.x.length).toBe(500 * 20);
    expect(d.test.y.length).toBe(500);
  });

  it('is deterministic under the seed and changes with it', () => {
    const a = blobs(7), b = blobs(7), c = blobs(8);
    expect(a.train.x).toEqual(b.train.x);
    expect(a.train.y).toEqual(b.train.y);
    expect(a.test.x).toEqual(b.test.x);
    expect(a.train.x).not.toEqual(c.train.x);
  });

  it('treats seed 0 as a real seed', () => {
    expect(blobs(0).train.x).toEqual(blobs(0).train.x);
    expect(blobs(0).train.x).not.toEqual(blobs(1).train.x);
  });

  it('balances labels, within one when sizes do not divide evenly', () => {
    expect(counts(blobs(2).train, 10)).toEqual(new Array(10).fill(200));
    const uneven = counts(blobs(2, { ...opts, trainSize: 1003 }).train, 10);
    expect(Math.max(...uneven) - Math.min(...uneven)).toBeLessThanOrEqual(1);
  });

  it('shuffles labels rather than leaving them in round-robin order', () => {
    const y = blobs(3).train.y;
    let inOrder = 0;
    for (let i = 0; i < y.length; i++) if (y[i] === i % 10) inOrder++;
    expect(inOrder).toBeLessThan(y.length / 2);
  });

  it('keeps every feature of both splits in [0, 1]', () => {
    for (const s of [blobs(4).train, blobs(4).test]) {
      expect(Math.min(...s.x)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...s.x)).toBeLessThanOrEqual(1);
    }
  });

  it('is learnable by a linear classifier by default but not perfectly', () => {
    const acc = nearestMeanAccuracy(blobs(5));
    expect(acc).toBeGreaterThan(0.85);
    expect(acc).toBeLessThan(1);
  });

  it('gets easier as separation grows', () => {
    const hard = nearestMeanAccuracy(blobs(6, { ...opts, separation: 1 }));
    const easy = nearestMeanAccuracy(blobs(6, { ...opts, separation: 8 }));
    expect(easy).toBeGreaterThan(hard + 0.2);
  });

  it('rejects bad options with a DataError naming the option', () => {
    expect(() => blobs(0, { ...opts, classes: 1 })).toThrow(DataError);
    expect(() => blobs(0, { ...opts, classes: 300 })).toThrow(/classes/);
    expect(() => blobs(0, { ...opts, features: 2.5 })).toThrow(/features/);
    expect(() => blobs(0, { ...opts, noise: -1 })).toThrow(/noise/);
  });
});
