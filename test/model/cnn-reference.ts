// A float64 reference of a cnn's loss, written plainly from the row layout, for finite differences.

import type { ModelSpec } from '../../src/types.js';
import { convBlocks } from '../../src/model/cnn-shape.js';
import { createLayout, layerSizes } from '../../src/model/layout.js';

/** Mean softmax cross-entropy of the batch, all in float64. */
export function referenceLoss(spec: ModelSpec, row: Float64Array, x: Float32Array, y: Uint8Array, batch: number): number {
  const layout = createLayout(spec);
  const at = (name: string) => layout.tensors.find((t) => t.name === name)!.offset;
  const act = (v: number) => (spec.activation === 'tanh' ? Math.tanh(v) : Math.max(0, v));
  const blocks = convBlocks(spec.shape!, spec.conv!);
  let loss = 0;
  for (let r = 0; r < batch; r++) {
    let a = Float64Array.from(x.subarray(r * spec.inputs, (r + 1) * spec.inputs));
    blocks.forEach((b, l) => {
      const K = at(`conv${l}/kernel`), B = at(`conv${l}/bias`);
      const conv = new Float64Array(b.outH * b.outW * b.filters);
      for (let oy = 0; oy < b.outH; oy++) for (let ox = 0; ox < b.outW; ox++) for (let f = 0; f < b.filters; f++) {
        let s = row[B + f];
        for (let dy = 0; dy < b.kernel; dy++) for (let dx = 0; dx < b.kernel; dx++) for (let c = 0; c < b.inC; c++) {
          s += a[((oy + dy) * b.inW + ox + dx) * b.inC + c] * row[K + ((dy * b.kernel + dx) * b.inC + c) * b.filters + f];
        }
        conv[(oy * b.outW + ox) * b.filters + f] = act(s);
      }
      const pooled = new Float64Array(b.poolH * b.poolW * b.filters).fill(-Infinity);
      for (let py = 0; py < b.poolH; py++) for (let px = 0; px < b.poolW; px++) for (let f = 0; f < b.filters; f++) {
        for (let dy = 0; dy < b.pool; dy++) for (let dx = 0; dx < b.pool; dx++) {
          const o = (py * b.poolW + px) * b.filters + f;
          pooled[o] = Math.max(pooled[o], conv[((py * b.pool + dy) * b.outW + px * b.pool + dx) * b.filters + f]);
        }
      }
      a = pooled;
    });
    const sizes = layerSizes(spec);
    for (let l = 0; l + 1 < sizes.length; l++) {
      const W = at(`dense${l}/kernel`), B = at(`dense${l}/bias`);
      const out = new Float64Array(sizes[l + 1]);
      for (let j = 0; j < out.length; j++) {
        let s = row[B + j];
        for (let i = 0; i < sizes[l]; i++) s += a[i] * row[W + i * out.length + j];
        out[j] = l + 2 < sizes.length ? act(s) : s;
      }
      a = out;
    }
    const max = Math.max(...a);
    const sum = a.reduce((s, v) => s + Math.exp(v - max), 0);
    loss += Math.log(sum) - (a[y[r]] - max);
  }
  return loss / batch;
}
