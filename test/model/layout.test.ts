import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createRng } from '../../src/rng.js';
import { createLayout, glorotLimit, initParams, layerSizes } from '../../src/model/layout.js';
import { SPECS } from './helpers.js';

describe('createLayout', () => {
  it('places each kernel [in, out] and then its bias, layer after layer, with no gaps', () => {
    const layout = createLayout(SPECS['mlp [128]']);
    expect(layout.tensors.map((t) => [t.name, t.shape, t.offset, t.size])).toEqual([
      ['dense0/kernel', [784, 128], 0, 100352],
      ['dense0/bias', [128], 100352, 128],
      ['dense1/kernel', [128, 10], 100480, 1280],
      ['dense1/bias', [10], 101760, 10],
    ]);
    expect(layout.total).toBe(101770);
  });

  it('gives logistic regression one dense layer whatever hidden says', () => {
    const layout = createLayout({ kind: 'logistic', inputs: 784, hidden: [99], classes: 10 });
    expect(layout.total).toBe(7850);
    expect(layerSizes({ kind: 'logistic', inputs: 784, hidden: [99], classes: 10 })).toEqual([784, 10]);
  });

  it('rejects impossible specs with a ConfigError naming the field', () => {
    expect(() => createLayout({ kind: 'mlp', inputs: 784, hidden: [0], classes: 10 })).toThrow(ConfigError);
    expect(() => createLayout({ kind: 'mlp', inputs: 784, hidden: [0], classes: 10 })).toThrow(/model.hidden\[0\]/);
    expect(() => createLayout({ kind: 'logistic', inputs: 784, hidden: [], classes: 1 })).toThrow(/model.classes/);
  });
});

describe('initParams', () => {
  const spec = SPECS['mlp [64, 32]'];
  const layout = createLayout(spec);

  it('is deterministic under a seed and differs across seeds', () => {
    const a = new Float32Array(layout.total);
    const b = new Float32Array(layout.total);
    const c = new Float32Array(layout.total);
    initParams(layout, spec, a, createRng(7, 'init'));
    initParams(layout, spec, b, createRng(7, 'init'));
    initParams(layout, spec, c, createRng(8, 'init'));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('draws kernels uniformly within the Glorot bound and zeroes biases', () => {
    const row = new Float32Array(layout.total).fill(9);
    initParams(layout, spec, row, createRng(0, 'init'));
    for (const t of layout.tensors) {
      const values = row.subarray(t.offset, t.offset + t.size);
      if (t.shape.length === 1) {
        expect(values.every((v) => v === 0)).toBe(true);
        continue;
      }
      const limit = glorotLimit(t.shape[0], t.shape[1]);
      let min = Infinity, max = -Infinity, sum = 0, sq = 0;
      for (const v of values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
        sum += v;
        sq += v * v;
      }
      expect(min).toBeGreaterThanOrEqual(-limit);
      expect(max).toBeLessThanOrEqual(limit);
      expect(max).toBeGreaterThan(0.95 * limit); // spread over the whole range
      expect(Math.abs(sum / t.size)).toBeLessThan(0.05 * limit);
      expect(Math.sqrt(sq / t.size) / (limit / Math.sqrt(3))).toBeCloseTo(1, 1); // uniform std = limit / sqrt(3)
    }
  });

  it('refuses a row of the wrong length', () => {
    expect(() => initParams(layout, spec, new Float32Array(3), createRng(0))).toThrow(/needs/);
  });
});
