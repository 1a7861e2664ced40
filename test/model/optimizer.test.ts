import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createOptimizer } from '../../src/model/optimizer.js';

const f32 = (xs: number[]) => new Float32Array(xs);

function expectClose(actual: Float32Array, expected: number[]) {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, 6));
}

describe('createOptimizer', () => {
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

  it('rejects bad hyper-parameters and mismatched arrays', () => {
    expect(() => createOptimizer({ kind: 'sgd' }, 0)).toThrow(ConfigError);
    expect(() => createOptimizer({ kind: 'momentum', beta: 1 }, 0.1)).toThrow(/beta/);
    expect(() => createOptimizer({ kind: 'adam', eps: -1 }, 0.1)).toThrow(/eps/);
    const adam = createOptimizer({ kind: 'adam' }, 0.1);
    expect(() => adam.apply(f32([1, 2]), f32([1, 2]), new Float32Array(2), 1)).toThrow(RangeError);
    expect(() => adam.apply(f32([1, 2]), f32([1, 2]), new Float32Array(4), 0)).toThrow(/stepIndex/);
    expect(() => createOptimizer({ kind: 'sgd' }, 0.1).apply(f32([1]), f32([1, 2]), new Float32Array(0), 1)).toThrow(RangeError);
  });
});
