// DP-SGD's clipped gradient in every kernel path against a naive implementation: each example's
// gradient alone from tfjs autodiff (a layers model on the cpu backend), clipped and summed in
// float64. The clip is each batch's median norm, so half the examples are clipped and half not.

import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../src/types.js';
import { createRng } from '../../src/rng.js';
import { selectBackend } from '../../src/model/backend.js';
import { createKernel, KERNEL_PATHS, type StepKernel } from '../../src/model/kernel.js';
import { clippedGradient, poissonSample, samplingRate } from '../../src/privacy/dp-sgd.js';
import { randomBatch, randomParams, SPECS, worstMismatch } from '../model/helpers.js';

const SMALL_CNN: ModelSpec = {
  kind: 'cnn', inputs: 11 * 9 * 3, classes: 4, hidden: [7], shape: { height: 11, width: 9, channels: 3 },
  conv: [{ filters: 5, kernel: 3, pool: 2 }, { filters: 3, kernel: 2, pool: 1 }], activation: 'relu',
};
const ALL: Record<string, ModelSpec> = { ...SPECS, 'a small cnn': SMALL_CNN };

beforeAll(async () => {
  await selectBackend('cpu');
});

/** Per-example gradients from tfjs autodiff, their norms, and the float64 sum of the clipped ones times scale. */
function naive(ref: StepKernel, params: Float32Array, x: Float32Array, y: Uint8Array, batch: number, inputs: number) {
  const n = ref.layout.total;
  const grads: Float32Array[] = [];
  const norms: number[] = [];
  for (let i = 0; i < batch; i++) {
    const g = new Float32Array(n);
    ref.gradient(params, x.subarray(i * inputs, (i + 1) * inputs), y.subarray(i, i + 1), 1, g);
    grads.push(g);
    norms.push(Math.sqrt(g.reduce((a, v) => a + v * v, 0)));
  }
  const sum = (clip: number, scale: number) => {
    const acc = new Float64Array(n);
    grads.forEach((g, i) => {
      const f = scale * Math.min(1, clip / norms[i]);
      for (let j = 0; j < n; j++) acc[j] += f * g[j];
    });
    return Float32Array.from(acc);
  };
  return { norms, sum };
}

describe('DP-SGD clips each example before the batch is summed', () => {
  for (const [name, spec] of Object.entries(ALL)) {
    for (const path of KERNEL_PATHS) {
      it(`${path} path, ${name}: matches per-example clipping (atol 1e-6 + rtol 1e-3)`, async () => {
        const batch = 7;
        const { x, y } = randomBatch(createRng(3, 'dp batch', name), batch, spec.inputs, spec.classes, 0.5);
        const params = randomParams(spec, 11);
        const ref = await createKernel(spec, 'layers', { backend: 'cpu' });
        const kernel = await createKernel(spec, path, { backend: 'cpu' });
        const { norms, sum } = naive(ref, params, x, y, batch, spec.inputs);
        const clip = [...norms].sort((a, b) => a - b)[3];
        const scale = 1 / 5;
        const want = sum(clip, scale);
        const got = new Float32Array(want.length).fill(NaN);
        const tmp = new Float32Array(want.length);
        const loss = clippedGradient(kernel, params, x, y, batch, spec.inputs, clip, scale, got, tmp);
        const worst = worstMismatch(got, want, 1e-6, 1e-3);
        expect(worst.ratio, `param ${worst.index}: ${got[worst.index]} vs ${want[worst.index]}`).toBeLessThan(1);
        // the clipping binds: the unclipped sum is far from it
        const unclipped = sum(Infinity, scale);
        expect(worstMismatch(unclipped, want, 1e-6, 1e-3).ratio).toBeGreaterThan(10);
        // the batch's mean loss, as the plain gradient reports it
        expect(loss).toBeCloseTo(kernel.gradient(params, x, y, batch, tmp), 5);
        kernel.dispose();
        ref.dispose();
      });
    }
  }

  it('with a clip above every norm, it is the plain mean gradient (scale 1 / batch)', async () => {
    const spec = SPECS['mlp [64, 32]'];
    const batch = 9;
    const { x, y } = randomBatch(createRng(5, 'dp batch'), batch, spec.inputs, spec.classes);
    const params = randomParams(spec, 2);
    const kernel = await createKernel(spec, 'fast');
    const plain = new Float32Array(kernel.layout.total);
    kernel.gradient(params, x, y, batch, plain);
    const got = new Float32Array(plain.length);
    clippedGradient(kernel, params, x, y, batch, spec.inputs, 1e9, 1 / batch, got, new Float32Array(plain.length));
    expect(worstMismatch(got, plain, 1e-7, 1e-4).ratio).toBeLessThan(1);
  });

  it('an empty Poisson batch gives a zero gradient and loss 0', async () => {
    const spec = SPECS.logistic;
    const kernel = await createKernel(spec, 'fast');
    const got = new Float32Array(kernel.layout.total).fill(NaN);
    const loss = clippedGradient(kernel, randomParams(spec, 1), new Float32Array(0), new Uint8Array(0), 0, spec.inputs, 1, 1, got, new Float32Array(got.length));
    expect(loss).toBe(0);
    expect(got.every((v) => v === 0)).toBe(true);
  });
});

describe('Poisson sampling', () => {
  it('draws each example with probability q: batch sizes average q x count with binomial spread, every example equally often', () => {
    const count = 400;
    const q = samplingRate(32, count);
    expect(q).toBe(0.08);
    const order = Int32Array.from({ length: count }, (_, i) => 1000 + i);
    const out = new Int32Array(count);
    const rng = createRng(9, 'poisson');
    const hits = new Float64Array(count);
    const steps = 4000;
    let total = 0;
    let sq = 0;
    for (let s = 0; s < steps; s++) {
      const b = poissonSample(rng, order, 0, count, q, out);
      total += b;
      sq += b * b;
      for (let k = 0; k < b; k++) hits[out[k] - 1000]++;
      for (let k = 1; k < b; k++) expect(out[k]).toBeGreaterThan(out[k - 1]);
    }
    const mean = total / steps;
    const variance = sq / steps - mean * mean;
    expect(Math.abs(mean - 32)).toBeLessThan(4 * Math.sqrt((count * q * (1 - q)) / steps));
    expect(variance / (count * q * (1 - q))).toBeGreaterThan(0.9);
    expect(variance / (count * q * (1 - q))).toBeLessThan(1.1);
    // each example: Binomial(steps, q) hits, mean 320, sd ~17
    for (const h of hits) expect(Math.abs(h - steps * q)).toBeLessThan(6 * Math.sqrt(steps * q * (1 - q)));
    expect(samplingRate(64, 32)).toBe(1);
  });
});
