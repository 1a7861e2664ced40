// The fast path for the built-in models: forward and backward passes written by hand over one
// WebAssembly memory, with the SIMD loops of dense-module.ts skipping zero inputs. A step copies
// the row and the batch in, and the gradient out; nothing is allocated per call.

import type { ModelSpec } from '../types.js';
import type { StepKernel } from '../model/kernel.js';
import { createLayout, layerSizes } from '../model/layout.js';
import { EVAL_CHUNK, checkArgs, softmaxCrossEntropy } from '../model/kernel-util.js';
import type { DenseExports } from './dense-module.js';
import { instantiate, PAGE } from './modules.js';

/** Float offsets (not bytes) of each buffer in the kernel's memory for a given row capacity. */
interface Plan {
  capacity: number;
  params: number;
  grad: number;
  x: number;
  /** acts[l] holds layer l's output for l = 1..L-1 (post-ReLU); acts[L] holds logits then dz */
  acts: number[];
  /**
   * ReLU-masked deltas of hidden layers: ping-pong in delta[l & 1] for a plain step, one buffer
   * per hidden layer (delta[l - 1]) for a clipped one, which needs every layer's delta at once
   */
  delta: number[];
  /** (offset, value) pairs gathered by fwd and gradw */
  list: number;
  floats: number;
}

/** Rounds a float count up to whole 16-byte vectors, so SIMD tails stay inside a buffer. */
const pad = (floats: number) => (floats + 3) & ~3;

function plan(sizes: number[], total: number, capacity: number): Plan {
  let at = 0;
  const take = (floats: number) => {
    const o = at;
    at += pad(floats);
    return o;
  };
  const params = take(total);
  const grad = take(total);
  const x = take(capacity * sizes[0]);
  const acts: number[] = [0];
  for (let l = 1; l < sizes.length; l++) acts.push(take(capacity * sizes[l]));
  const widest = Math.max(1, ...sizes.slice(1, -1));
  const delta = Array.from({ length: Math.max(2, sizes.length - 2) }, () => take(capacity * widest));
  const list = take(2 * Math.max(capacity, ...sizes));
  return { capacity, params, grad, x, acts, delta, list, floats: at };
}

/** Sum of squares of n floats at f[o..], in double precision. */
function sumSquares(f: Float32Array, o: number, n: number): number {
  let acc = 0;
  for (let i = o, end = o + n; i < end; i++) acc += f[i] * f[i];
  return acc;
}

export interface SimdKernel extends StepKernel {
  readonly kind: 'simd';
}

/** Receives a mark after each phase of gradient() (bench/step-micro.ts times them). */
export interface PhaseProbe {
  mark(phase: string): void;
}

export function createSimdKernel(spec: ModelSpec, opts: { probe?: PhaseProbe } = {}): SimdKernel {
  const probe = opts.probe;
  const layout = createLayout(spec);
  const sizes = layerSizes(spec);
  const L = sizes.length - 1; // dense layers
  const classes = sizes[L];
  const wOff = layout.tensors.filter((_, i) => i % 2 === 0).map((t) => t.offset);
  const bOff = layout.tensors.filter((_, i) => i % 2 === 1).map((t) => t.offset);

  let p = plan(sizes, layout.total, 64);
  const memory = new WebAssembly.Memory({ initial: Math.ceil((p.floats * 4) / PAGE) });
  const wasm: DenseExports = instantiate('dense', memory);
  const loops = instantiate('optimizer', memory);
  let f32 = new Float32Array(memory.buffer);
  let disposed = false;
  let norms = new Float64Array(64);
  const evalStats = { correct: 0 };

  const ensure = (rows: number) => {
    if (disposed) throw new Error('simd kernel: used after dispose()');
    if (rows <= p.capacity) return;
    const next = plan(sizes, layout.total, Math.max(rows, p.capacity * 2));
    const need = Math.ceil((next.floats * 4) / PAGE) - memory.buffer.byteLength / PAGE;
    if (need > 0) memory.grow(need);
    // params and grad keep their offsets (they come first), nothing else persists across calls
    p = next;
    f32 = new Float32Array(memory.buffer);
  };

  /** Runs the dense layers on `rows` inputs at p.x; logits land at p.acts[L]. */
  const forward = (rows: number, phases?: PhaseProbe) => {
    for (let l = 0; l < L; l++) {
      const din = sizes[l];
      const dout = sizes[l + 1];
      const input = l === 0 ? p.x : p.acts[l];
      const out = p.acts[l + 1];
      const b = p.params + bOff[l];
      for (let r = 0; r < rows; r++) f32.copyWithin(out + r * dout, b, b + dout);
      phases?.mark(`bias${l}`);
      wasm.fwd(input * 4, rows, din, (p.params + wOff[l]) * 4, dout, out * 4, p.list * 4);
      phases?.mark(`fwd${l}`);
      if (l + 1 < L) {
        wasm.relu(out * 4, rows * dout);
        phases?.mark(`relu${l}`);
      }
    }
  };

  /** Dense layer l's weight and bias gradients at p.grad from its output delta (batch rows at dz). */
  const layerGrad = (l: number, dz: number, batch: number) => {
    const din = sizes[l];
    const dout = sizes[l + 1];
    const input = l === 0 ? p.x : p.acts[l];
    wasm.gradw(input * 4, batch, din, dz * 4, dout, (p.grad + wOff[l]) * 4, p.list * 4);
    probe?.mark(`dW${l}`);
    const gb = p.grad + bOff[l];
    for (let j = 0; j < dout; j++) {
      let sum = 0;
      for (let o = dz + j, end = dz + batch * dout; o < end; o += dout) sum += f32[o];
      f32[gb + j] = sum;
    }
    probe?.mark(`db${l}`);
  };

  /** Forward and backward of one batch; the gradient is left at p.grad. Returns the mean loss. */
  const computeGrad = (params: Float32Array, x: Float32Array, y: Uint8Array, batch: number): number => {
      ensure(batch);
      probe?.mark('start');
      f32.set(params, p.params);
      f32.set(x.subarray(0, batch * sizes[0]), p.x);
      probe?.mark('copy in');
      forward(batch, probe);
      const lossSum = softmaxCrossEntropy(f32, p.acts[L], batch, classes, y, 0, 1 / batch, true);
      probe?.mark('softmax+loss');
      let dz = p.acts[L];
      for (let l = L - 1; l >= 0; l--) {
        layerGrad(l, dz, batch);
        if (l > 0) {
          const next = p.delta[l & 1];
          wasm.backdot(dz * 4, batch, sizes[l + 1], (p.params + wOff[l]) * 4, sizes[l], p.acts[l] * 4, next * 4);
          dz = next;
          probe?.mark(`dA${l}`);
        }
      }
      return lossSum / batch;
  };

  /**
   * DP-SGD's gradient: `scale` times the sum over the batch of each example's gradient scaled to
   * L2 norm at most `clip`, left at p.grad, without materialising per-example gradients. A dense layer's
   * per-example weight gradient is the outer product of its input row a and output delta d, so
   * its squared norm is |a|^2 |d|^2 (+ |d|^2 for the bias). Every layer's deltas are computed
   * first (they are linear in the logits' delta, so scaling a row of each by the example's factor
   * is the backward pass of the scaled example), then the weight gradients of the scaled deltas.
   */
  const computeClipped = (params: Float32Array, x: Float32Array, y: Uint8Array, batch: number, clip: number, scale: number): number => {
    ensure(batch);
    f32.set(params, p.params);
    f32.set(x.subarray(0, batch * sizes[0]), p.x);
    forward(batch);
    const lossSum = softmaxCrossEntropy(f32, p.acts[L], batch, classes, y, 0, 1, true);
    const D = new Array<number>(L);
    D[L - 1] = p.acts[L];
    for (let l = L - 1; l > 0; l--) {
      D[l - 1] = p.delta[l - 1];
      wasm.backdot(D[l] * 4, batch, sizes[l + 1], (p.params + wOff[l]) * 4, sizes[l], p.acts[l] * 4, D[l - 1] * 4);
    }
    if (norms.length < batch) norms = new Float64Array(Math.max(batch, 2 * norms.length));
    norms.fill(0, 0, batch);
    for (let l = 0; l < L; l++) {
      const din = sizes[l];
      const dout = sizes[l + 1];
      const input = l === 0 ? p.x : p.acts[l];
      for (let r = 0; r < batch; r++) {
        norms[r] += (sumSquares(f32, input + r * din, din) + 1) * sumSquares(f32, D[l] + r * dout, dout);
      }
    }
    for (let r = 0; r < batch; r++) {
      const norm = Math.sqrt(norms[r]);
      const factor = norm > clip ? (scale * clip) / norm : scale;
      if (factor === 1) continue;
      for (let l = 0; l < L; l++) {
        const dout = sizes[l + 1];
        for (let o = D[l] + r * dout, end = o + dout; o < end; o++) f32[o] *= factor;
      }
    }
    for (let l = L - 1; l >= 0; l--) layerGrad(l, D[l], batch);
    return lossSum / batch;
  };

  return {
    kind: 'simd',
    layout,

    gradient(params, x, y, batch, grad) {
      checkArgs('simd kernel.gradient', layout, sizes[0], params, x, y, batch, grad);
      if (batch === 0) {
        grad.fill(0);
        return 0;
      }
      const loss = computeGrad(params, x, y, batch);
      grad.set(f32.subarray(p.grad, p.grad + layout.total));
      probe?.mark('copy out');
      return loss;
    },

    clippedGradient(params, x, y, batch, clip, scale, grad) {
      checkArgs('simd kernel.clippedGradient', layout, sizes[0], params, x, y, batch, grad);
      if (batch === 0) {
        grad.fill(0);
        return 0;
      }
      const loss = computeClipped(params, x, y, batch, clip, scale);
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
      probe?.mark('sgd in place');
      return loss;
    },

    evaluate(params, x, y, n, rowLoss) {
      checkArgs('simd kernel.evaluate', layout, sizes[0], params, x, y, n);
      ensure(Math.min(n, EVAL_CHUNK));
      f32.set(params, p.params);
      evalStats.correct = 0;
      let lossSum = 0;
      for (let start = 0; start < n; start += EVAL_CHUNK) {
        const rows = Math.min(EVAL_CHUNK, n - start);
        f32.set(x.subarray(start * sizes[0], (start + rows) * sizes[0]), p.x);
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
