import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/rng.js';
import { createSimdKernel } from '../../src/wasm/index.js';
import { createLayout, initParams } from '../../src/model/layout.js';
import { createOptimizer } from '../../src/model/optimizer.js';
import type { ModelSpec } from '../../src/types.js';

describe('the fused SGD step', () => {
  for (const spec of [
    { kind: 'logistic', inputs: 30, hidden: [], classes: 5 },
    { kind: 'mlp', inputs: 37, hidden: [16, 7], classes: 10 },
  ] as ModelSpec[]) {
    it(`gives bit-identical parameters to gradient() plus the sgd optimizer (${spec.kind})`, () => {
      const kernel = createSimdKernel(spec);
      const layout = createLayout(spec);
      const rng = createRng(11, 'sgd-step');
      const a = new Float32Array(layout.total);
      initParams(layout, spec, a, rng);
      const b = a.slice();
      const grad = new Float32Array(layout.total);
      const opt = createOptimizer({ kind: 'sgd' }, 0.05);
      for (let step = 0; step < 5; step++) {
        const batch = 9;
        const x = new Float32Array(batch * spec.inputs).map(() => (rng.next() < 0.6 ? 0 : rng.next()));
        const y = new Uint8Array(batch).map(() => rng.int(spec.classes));
        const lossA = kernel.gradient(a, x, y, batch, grad);
        opt.apply(a, grad, new Float32Array(0), step + 1);
        const lossB = kernel.sgdStep!(b, x, y, batch, 0.05);
        expect(lossB).toBe(lossA);
        expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
      }
      expect(a.some((v, i) => v !== 0 && i < layout.total)).toBe(true);
    });
  }
});
