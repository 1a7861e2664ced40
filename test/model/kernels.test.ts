// One contract suite run over every kernel: each must agree with the layers path (tfjs
// autodiff through a tf.sequential), which is itself checked against finite differences.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../src/types.js';
import { createRng } from '../../src/rng.js';
import { selectBackend } from '../../src/model/backend.js';
import { createKernel, kernelBackend, type StepKernel } from '../../src/model/kernel.js';
import { createSimdKernel } from '../../src/wasm/index.js';
import { createTfjsKernel } from '../../src/model/tfjs-kernel.js';
import { buildSequential, createLayersKernel, createLayersKernelFromModel } from '../../src/model/layers-kernel.js';
import { createLayout } from '../../src/model/layout.js';
import { SPECS, randomBatch, randomParams, worstMismatch } from './helpers.js';

const KERNELS: Record<string, (spec: ModelSpec) => StepKernel | Promise<StepKernel>> = {
  simd: (spec) => createSimdKernel(spec),
  tfjs: (spec) => createTfjsKernel(spec),
  fast: (spec) => createKernel(spec, 'fast'),
};

beforeAll(async () => {
  await selectBackend('wasm');
});

function gradientOf(kernel: StepKernel, params: Float32Array, x: Float32Array, y: Uint8Array, batch: number) {
  const grad = new Float32Array(kernel.layout.total).fill(NaN); // every entry must be written
  const loss = kernel.gradient(params, x, y, batch, grad);
  return { loss, grad };
}

for (const [kernelName, make] of Object.entries(KERNELS)) {
  describe(`the ${kernelName} kernel`, () => {
    for (const [specName, spec] of Object.entries(SPECS)) {
      for (const batch of [32, 13]) {
        it(`matches the layers path on ${specName} with a batch of ${batch}`, async () => {
          const rng = createRng(batch, 'batch', specName);
          const { x, y } = randomBatch(rng, batch, spec.inputs, spec.classes);
          const params = randomParams(spec, 3);
          const fast = await make(spec);
          const ref = createLayersKernel(spec);
          try {
            expect(fast.layout).toEqual(ref.layout);
            const a = gradientOf(fast, params, x, y, batch);
            const b = gradientOf(ref, params, x, y, batch);
            expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5 * Math.max(1, b.loss));
            const worst = worstMismatch(a.grad, b.grad, 1e-5, 1e-5);
            expect(worst.ratio, `grad[${worst.index}] = ${a.grad[worst.index]} vs ${b.grad[worst.index]}`).toBeLessThan(1);
          } finally {
            fast.dispose();
            ref.dispose();
          }
        });
      }
    }

    it('agrees with the layers path on dense inputs with negative values too', async () => {
      const spec: ModelSpec = { kind: 'mlp', inputs: 50, hidden: [30, 7], classes: 5 };
      const rng = createRng(1, 'dense');
      const { x, y } = randomBatch(rng, 9, spec.inputs, spec.classes, 0);
      for (let i = 0; i < x.length; i++) x[i] = 2 * x[i] - 1;
      const params = randomParams(spec, 5);
      const fast = await make(spec);
      const ref = createLayersKernel(spec);
      const a = gradientOf(fast, params, x, y, 9);
      const b = gradientOf(ref, params, x, y, 9);
      expect(a.loss).toBeCloseTo(b.loss, 5);
      expect(worstMismatch(a.grad, b.grad, 1e-5, 1e-5).ratio).toBeLessThan(1);
      fast.dispose();
      ref.dispose();
    });

    it('evaluates like the layers path over more rows than one chunk', async () => {
      const spec = SPECS['mlp [128]'];
      const { x, y } = randomBatch(createRng(2, 'eval'), 2500, spec.inputs, spec.classes);
      const params = randomParams(spec, 4);
      const fast = await make(spec);
      const ref = createLayersKernel(spec);
      const a = fast.evaluate(params, x, y, 2500);
      const b = ref.evaluate(params, x, y, 2500);
      expect(a.correct).toBe(b.correct);
      expect(a.lossSum).toBeCloseTo(b.lossSum, 2);
      expect(fast.evaluate(params, x, y, 100).correct).toBe(ref.evaluate(params, x, y, 100).correct);
      fast.dispose();
      ref.dispose();
    });

    it('counts correct answers and sums losses as a hand computation does', async () => {
      // logistic on 3 features, W = identity, b = 0: logits are the inputs themselves
      const spec: ModelSpec = { kind: 'logistic', inputs: 3, hidden: [], classes: 3 };
      const params = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
      const x = new Float32Array([2, 0, 0, 0, 3, 1, 0, 0, 1, 1, 0, 0]);
      const y = new Uint8Array([0, 2, 2, 1]);
      // argmax: 0, 1, 2, 0 -> rows 0 and 2 are right
      const lse = (z: number[]) => Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
      const expected = lse([2, 0, 0]) - 2 + (lse([0, 3, 1]) - 1) + (lse([0, 0, 1]) - 1) + (lse([1, 0, 0]) - 0);
      const kernel = await make(spec);
      const r = kernel.evaluate(params, x, y, 4);
      expect(r.correct).toBe(2);
      expect(r.lossSum).toBeCloseTo(expected, 5);
      expect(kernel.evaluate(params, x, y, 0)).toEqual({ correct: 0, lossSum: 0 });
      kernel.dispose();
    });

    it('leaks no tensors over 200 gradient and evaluate calls', async () => {
      const spec = SPECS['mlp [64, 32]'];
      const kernel = await make(spec);
      const params = randomParams(spec, 1);
      const grad = new Float32Array(kernel.layout.total);
      const { x, y } = randomBatch(createRng(3, 'leak'), 64, spec.inputs, spec.classes);
      kernel.gradient(params, x, y, 32, grad);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 200; i++) {
        kernel.gradient(params, x, y, 32, grad);
        kernel.evaluate(params, x, y, 64);
      }
      expect(tf.memory().numTensors).toBe(before);
      kernel.dispose();
      kernel.dispose();
    });

    it('rejects arrays that do not fit the layout', async () => {
      const spec = SPECS.logistic;
      const kernel = await make(spec);
      const params = randomParams(spec, 1);
      const { x, y } = randomBatch(createRng(1), 4, spec.inputs, spec.classes);
      expect(() => kernel.gradient(params.subarray(1), x, y, 4, new Float32Array(params.length))).toThrow(RangeError);
      expect(() => kernel.gradient(params, x, y, 5, new Float32Array(params.length))).toThrow(/x has/);
      expect(() => kernel.gradient(params, x, y, 4, new Float32Array(3))).toThrow(/grad has/);
      kernel.dispose();
    });
  });
}

describe('createKernel', () => {
  it("serves the WebAssembly SIMD kernel as 'fast' where SIMD validates, as in Node 20, on no tfjs backend", async () => {
    const kernel = await createKernel(SPECS.logistic);
    expect(kernel.kind).toBe('simd');
    expect(kernelBackend(kernel)).toBe('none');
    kernel.dispose();
  });

  it("falls back to the tfjs kernel on the chosen backend when the WebAssembly kernels are unavailable", async () => {
    const kernel = await createKernel(SPECS.logistic, 'fast', { backend: 'wasm', wasm: { ok: false, reason: 'a test says so' } });
    expect(kernel.kind).toBe('tfjs');
    expect(kernelBackend(kernel)).toBe('wasm');
    kernel.dispose();
  });

  it('names the kernel of each path', async () => {
    for (const path of ['tfjs', 'layers'] as const) {
      const kernel = await createKernel(SPECS.logistic, path, { backend: 'wasm' });
      expect(kernel.kind).toBe(path);
      kernel.dispose();
    }
  });

  it('names the valid paths when given an unknown one', async () => {
    await expect(createKernel(SPECS.logistic, 'gpu' as never)).rejects.toThrow(/fast, tfjs, layers/);
  });
});

describe('the layers path', () => {
  it('matches central finite differences on a tiny model', () => {
    const spec: ModelSpec = { kind: 'mlp', inputs: 5, hidden: [4], classes: 3 };
    const kernel = createLayersKernel(spec);
    const simd = createSimdKernel(spec);
    const rng = createRng(11, 'fd');
    const { x, y } = randomBatch(rng, 6, 5, 3, 0.3);
    const params = randomParams(spec, 11);
    const { grad } = gradientOf(kernel, params, x, y, 6);
    const scratch = new Float32Array(params.length);
    const lossAt = (p: Float32Array) => simd.gradient(p, x, y, 6, scratch); // loss in double from float32 logits
    const h = 1e-3;
    for (let i = 0; i < params.length; i++) {
      const p = params.slice();
      p[i] = params[i] + h;
      const up = lossAt(p);
      p[i] = params[i] - h;
      const down = lossAt(p);
      const numeric = (up - down) / (2 * h);
      expect(Math.abs(numeric - grad[i]), `param ${i}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(grad[i]));
    }
    kernel.dispose();
  });

  it('runs any layers model whose weights follow the row, in model.getWeights() order', () => {
    const spec: ModelSpec = { kind: 'mlp', inputs: 20, hidden: [8], classes: 4 };
    const model = buildSequential(spec);
    const kernel = createLayersKernelFromModel(model);
    expect(kernel.layout.total).toBe(createLayout(spec).total);
    expect(kernel.layout.tensors.map((t) => t.shape)).toEqual(model.getWeights().map((w) => w.shape));
    const params = randomParams(spec, 2);
    const { x, y } = randomBatch(createRng(2), 10, 20, 4);
    const a = gradientOf(kernel, params, x, y, 10);
    const b = gradientOf(createSimdKernel(spec), params, x, y, 10);
    expect(a.loss).toBeCloseTo(b.loss, 5);
    expect(worstMismatch(a.grad, b.grad, 1e-5, 1e-5).ratio).toBeLessThan(1);
    kernel.dispose();
    kernel.dispose();
  });
});

describe('the tfjs kernel on the cpu backend', () => {
  it('matches the simd kernel', async () => {
    await selectBackend('cpu');
    try {
      const spec = SPECS['mlp [64, 32]'];
      const params = randomParams(spec, 9);
      const { x, y } = randomBatch(createRng(9), 32, spec.inputs, spec.classes);
      const a = gradientOf(createTfjsKernel(spec), params, x, y, 32);
      const b = gradientOf(createSimdKernel(spec), params, x, y, 32);
      expect(a.loss).toBeCloseTo(b.loss, 5);
      expect(worstMismatch(a.grad, b.grad, 1e-5, 1e-5).ratio).toBeLessThan(1);
    } finally {
      await selectBackend('wasm');
    }
  });
});
