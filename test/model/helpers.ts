// Seeded fixtures shared by the model tests.

import type { ModelSpec } from '../../src/types.js';
import { createRng, type Rng } from '../../src/rng.js';
import { createLayout, initParams } from '../../src/model/layout.js';

export const SPECS: Record<string, ModelSpec> = {
  logistic: { kind: 'logistic', inputs: 784, hidden: [], classes: 10 },
  'mlp [128]': { kind: 'mlp', inputs: 784, hidden: [128], classes: 10 },
  'mlp [64, 32]': { kind: 'mlp', inputs: 784, hidden: [64, 32], classes: 10 },
};

/** A batch that looks like MNIST: about 80% zero pixels, the rest in (0, 1]. */
export function randomBatch(rng: Rng, rows: number, inputs: number, classes: number, zeroFraction = 0.8) {
  const x = new Float32Array(rows * inputs);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() < zeroFraction ? 0 : 1 - rng.next();
  const y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) y[r] = rng.int(classes);
  return { x, y };
}

/** Glorot weights plus small non-zero biases, so bias paths are exercised too. */
export function randomParams(spec: ModelSpec, seed: number): Float32Array {
  const layout = createLayout(spec);
  const row = new Float32Array(layout.total);
  const rng = createRng(seed, 'params');
  initParams(layout, spec, row, rng);
  for (const t of layout.tensors) {
    if (t.shape.length === 1) for (let i = t.offset; i < t.offset + t.size; i++) row[i] = 0.2 * (rng.next() - 0.5);
  }
  return row;
}

/** Largest |a - b| / (atol + rtol |b|); below 1 means every entry is within tolerance. */
export function worstMismatch(a: Float32Array, b: Float32Array, atol: number, rtol: number): { ratio: number; index: number } {
  let ratio = 0;
  let index = -1;
  for (let i = 0; i < a.length; i++) {
    const r = Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i]));
    if (!(r <= ratio)) {
      ratio = r;
      index = i;
    }
  }
  return { ratio, index };
}
