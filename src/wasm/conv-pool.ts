// The JavaScript parts of a convolutional block: activations other than ReLU, and
// the lists of row additions (conv-module's axpys) that carry gradients back through a block.
// Only conv outputs a pool picked get a gradient, so the backward pass visits those alone.

import type { ConvBlock } from '../model/cnn-shape.js';

export type Activation = 'relu' | 'tanh';

/** x[i] = act(x[i]) for i < count (ReLU runs in WebAssembly; this is the other activations). */
export function activate(f32: Float32Array, x: number, count: number): void {
  for (let i = x, end = x + count; i < end; i++) f32[i] = Math.tanh(f32[i]);
}

/** d[i] *= act'(a[i]) given the activation's output a: ReLU [a > 0], tanh 1 - a^2. */
export function activationGrad(f32: Float32Array, d: number, a: number, count: number, act: Activation): void {
  if (act === 'relu') {
    for (let i = 0; i < count; i++) if (!(f32[a + i] > 0)) f32[d + i] = 0;
  } else {
    for (let i = 0; i < count; i++) {
      const v = f32[a + i];
      f32[d + i] *= 1 - v * v;
    }
  }
}

/**
 * Triples adding g * (kernel row dy of filter f) into the block's input gradient at each picked
 * position (b, oy, ox), one per kernel row dy: the scatter of the patches' gradient (col2im).
 */
export function inputGradList(
  f32: Float32Array, i32: Int32Array, b: ConvBlock, rows: number, dPooled: number, argmax: number,
  wT: number, dIn: number, triples: number,
): number {
  const F = b.filters, K = b.patch, k = b.kernel;
  const run = k * b.inC;
  const perImage = b.outH * b.outW;
  const n = rows * b.poolH * b.poolW * F;
  let t = triples;
  for (let o = 0; o < n; o++) {
    const g = f32[dPooled + o];
    if (g === 0) continue;
    const f = o - ((o / F) | 0) * F;
    const pos = i32[argmax + o];
    const img = (pos / perImage) | 0;
    const rem = pos - img * perImage;
    const oy = (rem / b.outW) | 0;
    const ox = rem - oy * b.outW;
    let dst = dIn + ((img * b.inH + oy) * b.inW + ox) * b.inC;
    let src = wT + f * K;
    for (let dy = 0; dy < k; dy++) {
      i32[t] = dst * 4;
      i32[t + 1] = src * 4;
      f32[t + 2] = g;
      t += 3;
      dst += b.inW * b.inC;
      src += run;
    }
  }
  return (t - triples) / 3;
}
