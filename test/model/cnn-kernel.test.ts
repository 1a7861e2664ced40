// The fast CNN kernel (im2col + SIMD products, sparse backward through the pools) against a tfjs
// layers model of the same architecture on the same row (tfjs autodiff, cpu backend: tfjs-wasm
// 4.22 has no Conv2DBackpropFilter), and against float64 finite differences.

import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../src/types.js';
import { createRng } from '../../src/rng.js';
import { selectBackend } from '../../src/model/backend.js';
import { createKernel, type StepKernel } from '../../src/model/kernel.js';
import { createConvKernel } from '../../src/wasm/index.js';
import { ConfigError } from '../../src/errors.js';
import { referenceLoss } from './cnn-reference.js';
import { randomBatch, randomParams, worstMismatch } from './helpers.js';

const LENET: ModelSpec = {
  kind: 'cnn', inputs: 784, classes: 10, hidden: [120, 84], shape: { height: 28, width: 28, channels: 1 },
  conv: [{ filters: 6, kernel: 5, pool: 2 }, { filters: 16, kernel: 5, pool: 2 }], activation: 'relu',
};
/** Odd sizes: 3 channels, a non-square image, a pool that drops a remainder, no pool, filters not a multiple of 4, tanh. */
const ODD: ModelSpec = {
  kind: 'cnn', inputs: 11 * 9 * 3, classes: 4, hidden: [7], shape: { height: 11, width: 9, channels: 3 },
  conv: [{ filters: 5, kernel: 3, pool: 2 }, { filters: 3, kernel: 2, pool: 1 }], activation: 'tanh',
};
const ODD_RELU: ModelSpec = { ...ODD, activation: 'relu' };

export const CNN_SPECS: Record<string, ModelSpec> = { 'LeNet-5 (relu)': LENET, 'an odd cnn (tanh)': ODD, 'an odd cnn (relu)': ODD_RELU };

beforeAll(async () => {
  await selectBackend('cpu');
});

function gradientOf(kernel: StepKernel, params: Float32Array, x: Float32Array, y: Uint8Array, batch: number) {
  const grad = new Float32Array(kernel.layout.total).fill(NaN); // every entry must be written
  const loss = kernel.gradient(params, x, y, batch, grad);
  return { loss, grad };
}

describe('the fast cnn kernel', () => {
  for (const [name, spec] of Object.entries(CNN_SPECS)) {
    for (const batch of [8, 3]) {
      it(`matches a tfjs layers model on ${name} with a batch of ${batch} (loss 1e-5, gradients atol 1e-5 + rtol 1e-3)`, async () => {
        const { x, y } = randomBatch(createRng(batch, 'cnn batch', name), batch, spec.inputs, spec.classes, 0.5);
        const params = randomParams(spec, 5);
        const fast = createConvKernel(spec);
        const ref = await createKernel(spec, 'layers', { backend: 'cpu' });
        const a = gradientOf(fast, params, x, y, batch);
        const b = gradientOf(ref, params, x, y, batch);
        expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
        const worst = worstMismatch(a.grad, b.grad, 1e-5, 1e-3);
        expect(worst.ratio, `param ${worst.index}: ${a.grad[worst.index]} vs ${b.grad[worst.index]}`).toBeLessThan(1);
        const ea = fast.evaluate(params, x, y, batch);
        const eb = ref.evaluate(params, x, y, batch);
        expect(ea.correct).toBe(eb.correct);
        expect(Math.abs(ea.lossSum - eb.lossSum)).toBeLessThan(1e-4);
        fast.dispose();
        ref.dispose();
      });
    }
  }
});

describe('the tfjs paths of a cnn', () => {
  it('refuse the wasm backend, which cannot train a convolution (no Conv2DBackpropFilter in tfjs-wasm 4.22)', async () => {
    await expect(createKernel(LENET, 'layers', { backend: 'wasm' })).rejects.toThrow(/cnn with tfjs, which needs the cpu or node backend/);
    await expect(createKernel(LENET, 'tfjs', { backend: 'wasm' })).rejects.toThrow(ConfigError);
    await selectBackend('cpu');
  });
});

describe('the fast cnn kernel against finite differences', () => {
  for (const [name, spec] of Object.entries({ 'an odd cnn (tanh)': ODD, 'an odd cnn (relu)': ODD_RELU })) {
    it(`gives float64 central differences of the loss on ${name} (atol 2e-4 + rtol 2e-3, 6 parameters of every tensor)`, () => {
      const batch = 4;
      const { x, y } = randomBatch(createRng(2, 'fd batch', name), batch, spec.inputs, spec.classes, 0.3);
      const params = randomParams(spec, 11);
      const kernel = createConvKernel(spec);
      const { grad } = gradientOf(kernel, params, x, y, batch);
      const row = Float64Array.from(params);
      const rng = createRng(4, 'fd picks', name);
      const eps = 1e-5;
      for (const t of kernel.layout.tensors) {
        for (let n = 0; n < 6; n++) {
          const i = t.offset + rng.int(t.size);
          const keep = row[i];
          row[i] = keep + eps;
          const up = referenceLoss(spec, row, x, y, batch);
          row[i] = keep - eps;
          const down = referenceLoss(spec, row, x, y, batch);
          row[i] = keep;
          const fd = (up - down) / (2 * eps);
          expect(Math.abs(grad[i] - fd), `${t.name} param ${i}: ${grad[i]} vs ${fd}`).toBeLessThan(2e-4 + 2e-3 * Math.abs(fd));
        }
      }
      expect(Math.abs(kernel.gradient(params, x, y, batch, grad) - referenceLoss(spec, row, x, y, batch))).toBeLessThan(1e-5);
      kernel.dispose();
    });
  }
});
