import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createOptimizer as create, type OptimizerSpec } from '../../src/model/optimizer.js';

const f32 = (xs: number[]) => new Float32Array(xs);

function expectClose(actual: Float32Array, expected: number[]) {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, 6));
}

for (const simd of [true, false]) describe(`createOptimizer with ${simd ? 'WebAssembly SIMD' : 'plain JS'} loops`, () => {
  const createOptimizer = (spec: OptimizerSpec, lr: number) => create(spec, lr, { simd });

  it('sgd subtracts lr times the gradient and needs no state', () => {
    const opt = createOptimizer({ kind: 'sgd' }, 0.5);
    expect(opt.slots).toBe(0);
    const row = f32([1, 2, 3, 4, 5]); // odd length exercises the unrolled tail
    opt.apply(row, f32([0.2, -0.4, 0, 1, 2]), new Float32Array(0), 1);
    expectClose(row, [0.9, 2.2, 3, 3.5, 4]);
    opt.apply(row, f32([0.2, -0.4, 0, 1, 2]), new Float32Array(0), 2);
    expectClose(row, [0.8, 2.4, 3, 3, 3]);
  });

  it('momentum accumulates v = beta v + g and steps by lr v', () => {
    const opt = createOptimizer({ kind: 'momentum', beta: 0.9 }, 0.1);
    expect(opt.slots).toBe(1);
    const row = f32([1, -1]);
    const state = new Float32Array(2);
    const g = f32([1, 2]);
    opt.apply(row, g, state, 1); // v = [1, 2]
    expectClose(row, [0.9, -1.2]);
    opt.apply(row, g, state, 2); // v = [1.9, 3.8]
    expectClose(state, [1.9, 3.8]);
    expectClose(row, [0.71, -1.58]);
    opt.apply(row, f32([0, 0]), state, 3); // v = [1.71, 3.42]
    expectClose(row, [0.539, -1.922]);
  });

  it('adam matches the bias-corrected update computed by hand', () => {
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7;
    const opt = createOptimizer({ kind: 'adam' }, lr);
    expect(opt.slots).toBe(2);
    const row = f32([0.5, -0.5, 0]);
    const state = new Float32Array(6);
    const grads = [[0.1, -0.2, 0], [0.3, 0.1, 0], [-0.2, 0.4, 0]];
    const w = [0.5, -0.5, 0], m = [0, 0, 0], v = [0, 0, 0];
    grads.forEach((g, s) => {
      const t = s + 1;
      for (let i = 0; i < 3; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        w[i] -= (lr * m[i] / (1 - b1 ** t)) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
      }
      opt.apply(row, f32(g), state, t);
      expectClose(row, w);
      expectClose(state, [...m, ...v]);
    });
  });

  it('adam first step moves each weight by about lr against the sign of its gradient', () => {
    const row = f32([0.5, -0.5, 0]);
    createOptimizer({ kind: 'adam' }, 0.01).apply(row, f32([0.1, -0.2, 0]), new Float32Array(6), 1);
    expectClose(row, [0.49, -0.49, 0]);
  });

  it('adam honours custom betas and epsilon', () => {
    const opt = createOptimizer({ kind: 'adam', beta1: 0.5, beta2: 0.5, eps: 1 }, 1);
    const row = f32([0]);
    opt.apply(row, f32([2]), new Float32Array(2), 1); // mhat = 2, vhat = 4: step 2 / (2 + 1)
    expectClose(row, [-2 / 3]);
  });

  it('leaves the row unchanged at lr 0, as pure gossip runs use it', () => {
    const row = f32([1, 2, 3, 4, 5]);
    createOptimizer({ kind: 'momentum', beta: 0.5 }, 0).apply(row, f32([1, 1, 1, 1, 1]), new Float32Array(5), 1);
    expectClose(row, [1, 2, 3, 4, 5]);
  });

  it('rejects bad hyper-parameters and mismatched arrays', () => {
    expect(() => createOptimizer({ kind: 'sgd' }, -0.1)).toThrow(ConfigError);
    expect(() => createOptimizer({ kind: 'sgd' }, NaN)).toThrow(/lr/);
    expect(() => createOptimizer({ kind: 'momentum', beta: 1 }, 0.1)).toThrow(/beta/);
    expect(() => createOptimizer({ kind: 'adam', eps: -1 }, 0.1)).toThrow(/eps/);
    const adam = createOptimizer({ kind: 'adam' }, 0.1);
    expect(() => adam.apply(f32([1, 2]), f32([1, 2]), new Float32Array(2), 1)).toThrow(RangeError);
    expect(() => adam.apply(f32([1, 2]), f32([1, 2]), new Float32Array(4), 0)).toThrow(/stepIndex/);
    expect(() => createOptimizer({ kind: 'sgd' }, 0.1).apply(f32([1]), f32([1, 2]), new Float32Array(0), 1)).toThrow(RangeError);
  });
});

describe('createOptimizer', () => {
  it('gives the same updates with SIMD and JS loops on a long row with an odd length', () => {
    const n = 1003;
    const specs: OptimizerSpec[] = [{ kind: 'sgd' }, { kind: 'momentum', beta: 0.9 }, { kind: 'adam' }];
    for (const spec of specs) {
      const a = create(spec, 0.05, { simd: true });
      const b = create(spec, 0.05, { simd: false });
      const rowA = new Float32Array(n).map((_, i) => Math.sin(i));
      const rowB = rowA.slice();
      const stA = new Float32Array(a.slots * n);
      const stB = new Float32Array(b.slots * n);
      for (let t = 1; t <= 5; t++) {
        const g = new Float32Array(n).map((_, i) => Math.cos(i * t));
        a.apply(rowA, g, stA, t);
        b.apply(rowB, g, stB, t);
      }
      for (let i = 0; i < n; i++) expect(Math.abs(rowA[i] - rowB[i])).toBeLessThan(1e-5);
      for (let i = 0; i < stA.length; i++) expect(Math.abs(stA[i] - stB[i])).toBeLessThan(1e-5);
    }
  });
});
