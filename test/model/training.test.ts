import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { createRng } from '../../src/rng.js';
import { createKernel } from '../../src/model/kernel.js';
import { createLayout, initParams } from '../../src/model/layout.js';
import { createOptimizer } from '../../src/model/optimizer.js';
import type { ModelSpec } from '../../src/types.js';

describe('training on real MNIST', () => {
  it('the fast kernel with sgd lr 0.1 reaches over 85% test accuracy from 2,000 examples in 500 steps', async () => {
    const mnist = loadMnist();
    const spec: ModelSpec = { kind: 'mlp', inputs: 784, hidden: [128], classes: 10 };
    const kernel = await createKernel(spec, 'fast');
    const layout = createLayout(spec);
    const row = new Float32Array(layout.total);
    initParams(layout, spec, row, createRng(0, 'init'));
    const grad = new Float32Array(layout.total);
    const opt = createOptimizer({ kind: 'sgd' }, 0.1);
    const state = new Float32Array(0);

    const n = 2000, batch = 32, steps = 500;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const rng = createRng(0, 'batches');
    const xb = new Float32Array(batch * 784);
    const yb = new Uint8Array(batch);
    let cursor = n;
    const losses: number[] = [];
    for (let s = 1; s <= steps; s++) {
      for (let r = 0; r < batch; r++) {
        if (cursor === n) {
          rng.shuffle(order);
          cursor = 0;
        }
        const e = order[cursor++];
        xb.set(mnist.train.x.subarray(e * 784, (e + 1) * 784), r * 784);
        yb[r] = mnist.train.y[e];
      }
      losses.push(kernel.gradient(row, xb, yb, batch, grad));
      opt.apply(row, grad, state, s);
    }
    const early = losses.slice(0, 20).reduce((a, b) => a + b) / 20;
    const late = losses.slice(-20).reduce((a, b) => a + b) / 20;
    expect(late).toBeLessThan(early / 3);

    const { correct, lossSum } = kernel.evaluate(row, mnist.test.x, mnist.test.y, 1000);
    expect(correct / 1000).toBeGreaterThan(0.85);
    expect(lossSum / 1000).toBeLessThan(0.6);
    kernel.dispose();
  });
});
