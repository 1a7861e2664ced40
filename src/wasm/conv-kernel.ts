// The fast path for `kind: cnn`: each convolution runs as patch extraction (im2col) plus a
// register-blocked SIMD matrix product (conv-module's gemm; the dense module's sparse one for
// filter counts it has no gemm for), max-pooling keeps its argmax, and the backward pass
// visits only the conv outputs a pool picked (a quarter of them with 2x2 pools), as lists of
// row additions for the filter and the input gradients. Dense layers follow as in simd-kernel.ts.

import type { ModelSpec } from '../types.js';
import type { StepKernel } from '../model/kernel.js';
import { createLayout, layerSizes } from '../model/layout.js';
import { convBlocks } from '../model/cnn-shape.js';
import { checkArgs, softmaxCrossEntropy } from '../model/kernel-util.js';
import type { DenseExports } from './dense-module.js';
import type { ConvExports } from './conv-module.js';
import { instantiate, PAGE } from './modules.js';
import { CNN_EVAL_CHUNK, pad, planConv, type ConvPlan } from './conv-plan.js';
import { activate, activationGrad } from './conv-pool.js';
import type { PhaseProbe, SimdKernel } from './simd-kernel.js';


export function createConvKernel(spec: ModelSpec, opts: { probe?: PhaseProbe } = {}): SimdKernel {
  const probe = opts.probe;
  const layout = createLayout(spec);
  const blocks = convBlocks(spec.shape!, spec.conv!);
  const act = spec.activation ?? 'relu';
  const sizes = layerSizes(spec);
  const inputs = spec.inputs;
  const L = sizes.length - 1;
  const classes = sizes[L];
  const C = blocks.length;
  const tensor = (name: string) => layout.tensors.find((t) => t.name === name)!;
  const convK = blocks.map((_, l) => tensor(`conv${l}/kernel`).offset);
  const convB = blocks.map((_, l) => tensor(`conv${l}/bias`).offset);
  const wOff = sizes.slice(1).map((_, l) => tensor(`dense${l}/kernel`).offset);
  const bOff = sizes.slice(1).map((_, l) => tensor(`dense${l}/bias`).offset);

  const plan = (capacity: number) => planConv(blocks, sizes, layout.total, inputs, capacity);
  let p: ConvPlan = plan(32);
  const memory = new WebAssembly.Memory({ initial: Math.ceil((p.floats * 4) / PAGE) });
  const dense: DenseExports = instantiate('dense', memory);
  const conv: ConvExports = instantiate('conv', memory);
  const loops = instantiate('optimizer', memory);
  let f32 = new Float32Array(memory.buffer);
  let i32 = new Int32Array(memory.buffer);
  let disposed = false;
  const evalStats = { correct: 0 };

  const ensure = (rows: number) => {
    if (disposed) throw new Error('cnn kernel: used after dispose()');
    if (rows <= p.capacity) return;
    const next = plan(Math.max(rows, p.capacity * 2));
    const need = Math.ceil((next.floats * 4) / PAGE) - memory.buffer.byteLength / PAGE;
    if (need > 0) memory.grow(need);
    p = next; // params and grad keep their offsets (they come first)
    f32 = new Float32Array(memory.buffer);
    i32 = new Int32Array(memory.buffer);
  };

  /** The padded kernels and biases the forward pass multiplies by, and the transposed kernels of the backward pass, from p.params. */
  const prepareWeights = () => {
    blocks.forEach((b, l) => {
      const np = pad(b.filters), F = b.filters, K = b.patch;
      const w = p.params + convK[l], wp = p.wPad[l], wt = p.wT[l];
      for (let k = 0; k < K; k++) {
        for (let f = 0; f < F; f++) {
          const v = f32[w + k * F + f];
          f32[wp + k * np + f] = v;
          f32[wt + f * K + k] = v;
        }
        for (let f = F; f < np; f++) f32[wp + k * np + f] = 0;
      }
      const bp = wp + K * np;
      for (let f = 0; f < np; f++) f32[bp + f] = f < F ? f32[p.params + convB[l] + f] : 0;
    });
  };

  const hidden = (l: number) => l + 1 < L;
  /** Convolutions, pools and dense layers on `rows` inputs at p.x; logits land at p.acts[L]. */
  const forward = (rows: number) => {
    prepareWeights();
    blocks.forEach((b, l) => {
      const input = l === 0 ? p.x : p.pooled[l - 1];
      const positions = rows * b.outH * b.outW;
      const np = pad(b.filters);
      conv.im2col(input * 4, rows, b.inH * b.inW * b.inC, b.inW, b.inC, b.kernel, b.outH, b.outW, p.patches[l] * 4);
      probe?.mark(`im2col${l}`);
      conv.bcast((p.wPad[l] + b.patch * np) * 4, np, p.conv[l] * 4, positions);
      // dense register-blocked products beat the sparse one here (2x on LeNet-5: the gather costs more than the zeros save)
      const gemm = np === 4 ? conv.gemm4 : np === 8 ? conv.gemm8 : np === 16 ? conv.gemm16 : undefined;
      if (gemm) gemm(p.patches[l] * 4, positions, b.patch, p.wPad[l] * 4, p.conv[l] * 4);
      else dense.fwd(p.patches[l] * 4, positions, b.patch, p.wPad[l] * 4, np, p.conv[l] * 4, p.list * 4);
      probe?.mark(`conv${l}`);
      conv.pool(p.conv[l] * 4, rows, b.outH, b.outW, np, b.pool, b.poolH, b.poolW, b.filters, p.pooled[l] * 4, p.argmax[l] * 4, act === 'relu' ? 1 : 0);
      if (act !== 'relu') activate(f32, p.pooled[l], rows * b.poolH * b.poolW * b.filters);
      probe?.mark(`pool${l}`);
    });
    for (let l = 0; l < L; l++) {
      const input = l === 0 ? p.pooled[C - 1] : p.acts[l];
      const out = p.acts[l + 1];
      conv.bcast((p.params + bOff[l]) * 4, sizes[l + 1], out * 4, rows);
      dense.fwd(input * 4, rows, sizes[l], (p.params + wOff[l]) * 4, sizes[l + 1], out * 4, p.list * 4);
      if (hidden(l)) {
        if (act === 'relu') dense.relu(out * 4, rows * sizes[l + 1]);
        else activate(f32, out, rows * sizes[l + 1]);
      }
    }
    probe?.mark('dense fwd');
  };

  const computeGrad = (params: Float32Array, x: Float32Array, y: Uint8Array, batch: number): number => {
    ensure(batch);
    probe?.mark('start');
    f32.set(params, p.params);
    f32.set(x.subarray(0, batch * inputs), p.x);
    forward(batch);
    const lossSum = softmaxCrossEntropy(f32, p.acts[L], batch, classes, y, 0, 1 / batch, true);
    let dz = p.acts[L];
    for (let l = L - 1; l >= 0; l--) {
      const din = sizes[l], dout = sizes[l + 1];
      const input = l === 0 ? p.pooled[C - 1] : p.acts[l];
      dense.gradw(input * 4, batch, din, dz * 4, dout, (p.grad + wOff[l]) * 4, p.list * 4);
      const gb = p.grad + bOff[l];
      for (let j = 0; j < dout; j++) {
        let sum = 0;
        for (let o = dz + j, end = dz + batch * dout; o < end; o += dout) sum += f32[o];
        f32[gb + j] = sum;
      }
      const next = l === 0 ? p.dPooled[C - 1] : p.delta[l & 1];
      const mask = act === 'relu' ? input : p.ones;
      if (act !== 'relu') f32.fill(1, p.ones, p.ones + batch * din);
      dense.backdot(dz * 4, batch, dout, (p.params + wOff[l]) * 4, din, mask * 4, next * 4);
      if (act !== 'relu') activationGrad(f32, next, input, batch * din, act);
      dz = next;
    }
    probe?.mark('dense bwd');
    for (let l = C - 1; l >= 0; l--) {
      const b = blocks[l];
      const dWT = p.dWT[l];
      const perFilter = batch * b.poolH * b.poolW;
      conv.filterLists(p.dPooled[l] * 4, p.argmax[l] * 4, perFilter, b.filters, b.patch * 4, p.triples * 4, perFilter * 8, p.counts * 4, p.sums * 4);
      f32.copyWithin(p.grad + convB[l], p.sums, p.sums + b.filters);
      probe?.mark(`dW lists${l}`);
      for (let f = 0; f < b.filters; f++) {
        dense.accum(p.patches[l] * 4, (p.triples + 2 * f * perFilter) * 4, i32[p.counts + f], b.patch, (dWT + f * b.patch) * 4);
      }
      const g = p.grad + convK[l];
      for (let f = 0; f < b.filters; f++) for (let k = 0; k < b.patch; k++) f32[g + k * b.filters + f] = f32[dWT + f * b.patch + k];
      probe?.mark(`dW conv${l}`);
      if (l > 0) {
        const dIn = p.dPooled[l - 1];
        const n = batch * b.inH * b.inW * b.inC;
        f32.fill(0, dIn, dIn + n);
        const count = conv.inputLists(
          p.dPooled[l] * 4, p.argmax[l] * 4, batch * b.poolH * b.poolW, b.filters, b.outH * b.outW, b.outW, b.inH, b.inW, b.inC, b.kernel, p.wT[l] * 4, dIn * 4, p.triples * 4,
        );
        probe?.mark(`dX lists${l}`);
        conv.axpys(p.triples * 4, count, b.kernel * b.inC);
        activationGrad(f32, dIn, p.pooled[l - 1], n, act);
        probe?.mark(`dX conv${l}`);
      }
    }
    return lossSum / batch;
  };

  return {
    kind: 'simd',
    layout,

    gradient(params, x, y, batch, grad) {
      checkArgs('cnn kernel.gradient', layout, inputs, params, x, y, batch, grad);
      if (batch === 0) {
        grad.fill(0);
        return 0;
      }
      const loss = computeGrad(params, x, y, batch);
      grad.set(f32.subarray(p.grad, p.grad + layout.total));
      return loss;
    },

    sgdStep(params, x, y, batch, lr) {
      if (batch === 0) return 0;
      const loss = computeGrad(params, x, y, batch);
      const n = layout.total;
      // the same loop, on the same floats, as the sgd optimizer: bit-identical results
      const vec = n & ~3;
      loops.axpy(p.params * 4, p.grad * 4, vec * 4, -lr);
      for (let i = vec; i < n; i++) f32[p.params + i] -= lr * f32[p.grad + i];
      params.set(f32.subarray(p.params, p.params + n));
      return loss;
    },

    evaluate(params, x, y, n, rowLoss) {
      checkArgs('cnn kernel.evaluate', layout, inputs, params, x, y, n);
      ensure(Math.min(n, CNN_EVAL_CHUNK));
      f32.set(params, p.params);
      evalStats.correct = 0;
      let lossSum = 0;
      for (let start = 0; start < n; start += CNN_EVAL_CHUNK) {
        const rows = Math.min(CNN_EVAL_CHUNK, n - start);
        f32.set(x.subarray(start * inputs, (start + rows) * inputs), p.x);
        forward(rows);
        lossSum += softmaxCrossEntropy(f32, p.acts[L], rows, classes, y, start, 0, false, evalStats, rowLoss);
      }
      return { correct: evalStats.correct, lossSum };
    },

    dispose() {
      disposed = true;
    },
  };
}
