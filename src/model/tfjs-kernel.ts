// Hand-written forward and backward passes of the built-in models in tfjs ops, on whatever
// backend is active (call selectBackend first). The fast path where WebAssembly SIMD is missing,
// and the reference the SIMD kernel was measured against (bench/step-micro.ts).
//
// Choices measured on tfjs-wasm (2 vCPU, batch 32, 784-128-10): one fused matMul+bias+ReLU per
// layer; the softmax head in JS on the B x classes logits (one small read instead of ~6 ops);
// dW0 = X^T dz with X^T built in JS, since matMul with transposeA is ~8x slower than plain;
// gradients read back tensor by tensor straight from the wasm heap.

import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../types.js';
import type { StepKernel } from './kernel.js';
import type { PhaseProbe } from '../wasm/index.js';
import { createLayout, layerSizes } from './layout.js';
import { EVAL_CHUNK, checkArgs, softmaxCrossEntropy } from './kernel-util.js';

/**
 * A tensor's floats. On wasm, a view of the heap: dataSync() there slices a fresh ArrayBuffer
 * (~0.1 ms for 100k floats, mostly allocation), and a concat first costs more still.
 */
function readFloats(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.Tensor) => Float32Array };
  if (tf.getBackend() === 'wasm' && typeof backend.typedArrayFromHeap === 'function') return backend.typedArrayFromHeap(t);
  return t.dataSync() as Float32Array;
}

export function createTfjsKernel(spec: ModelSpec, opts: { probe?: PhaseProbe } = {}): StepKernel {
  const probe = opts.probe;
  const layout = createLayout(spec);
  const sizes = layerSizes(spec);
  const L = sizes.length - 1;
  const classes = sizes[L];
  const inputs = sizes[0];
  const wT = layout.tensors.filter((_, i) => i % 2 === 0);
  const bT = layout.tensors.filter((_, i) => i % 2 === 1);
  let xt = new Float32Array(0);
  let logits = new Float32Array(0);

  const weights = (params: Float32Array) => {
    const W: tf.Tensor2D[] = [];
    const b: tf.Tensor1D[] = [];
    for (let l = 0; l < L; l++) {
      W.push(tf.tensor2d(params.subarray(wT[l].offset, wT[l].offset + wT[l].size), [sizes[l], sizes[l + 1]]));
      b.push(tf.tensor1d(params.subarray(bT[l].offset, bT[l].offset + bT[l].size)));
    }
    return { W, b };
  };

  /** Activations of every layer; the last is the logits. */
  const forward = (X: tf.Tensor2D, W: tf.Tensor2D[], b: tf.Tensor1D[], probe?: PhaseProbe) => {
    const acts: tf.Tensor2D[] = [X];
    for (let l = 0; l < L; l++) {
      acts.push(tf.fused.matMul({ a: acts[l], b: W[l], bias: b[l], activation: l + 1 < L ? 'relu' : 'linear' }) as tf.Tensor2D);
      probe?.mark(`fwd${l}`);
    }
    return acts;
  };

  return {
    kind: 'tfjs',
    layout,

    gradient(params, x, y, batch, grad) {
      checkArgs('tfjs kernel.gradient', layout, inputs, params, x, y, batch, grad);
      if (batch === 0) {
        grad.fill(0);
        return 0;
      }
      if (logits.length < batch * classes) logits = new Float32Array(batch * classes);
      if (xt.length < batch * inputs) xt = new Float32Array(batch * inputs);
      let lossSum = 0;
      probe?.mark('start');
      const flat = tf.tidy(() => {
        const xb = x.subarray(0, batch * inputs);
        const X = tf.tensor2d(xb, [batch, inputs]);
        const { W, b } = weights(params);
        probe?.mark('upload');
        const acts = forward(X, W, b, probe);
        logits.set(readFloats(acts[L]));
        probe?.mark('read logits');
        lossSum = softmaxCrossEntropy(logits, 0, batch, classes, y, 0, 1 / batch, true);
        let dz: tf.Tensor2D = tf.tensor2d(logits.subarray(0, batch * classes), [batch, classes]);
        probe?.mark('softmax+loss');
        const parts: tf.Tensor[] = new Array(2 * L);
        for (let l = L - 1; l >= 0; l--) {
          if (l === 0) {
            for (let r = 0; r < batch; r++) {
              for (let i = 0; i < inputs; i++) xt[i * batch + r] = xb[r * inputs + i];
            }
            parts[0] = tf.matMul(tf.tensor2d(xt.subarray(0, batch * inputs), [inputs, batch]), dz);
          } else {
            parts[2 * l] = tf.matMul(acts[l], dz, true, false);
          }
          probe?.mark(`dW${l}`);
          parts[2 * l + 1] = tf.sum(dz, 0);
          probe?.mark(`db${l}`);
          if (l > 0) {
            dz = tf.mul(tf.matMul(dz, W[l], false, true), tf.step(acts[l]));
            probe?.mark(`dA${l}`);
          }
        }
        return parts;
      });
      probe?.mark('tidy dispose');
      for (let i = 0; i < flat.length; i++) grad.set(readFloats(flat[i]), layout.tensors[i].offset);
      tf.dispose(flat);
      probe?.mark('read grads');
      return lossSum / batch;
    },

    evaluate(params, x, y, n, rowLoss) {
      checkArgs('tfjs kernel.evaluate', layout, inputs, params, x, y, n);
      const stats = { correct: 0 };
      let lossSum = 0;
      const { W, b } = weights(params);
      try {
        for (let start = 0; start < n; start += EVAL_CHUNK) {
          const rows = Math.min(EVAL_CHUNK, n - start);
          const z = tf.tidy(() => {
            const X = tf.tensor2d(x.subarray(start * inputs, (start + rows) * inputs), [rows, inputs]);
            return forward(X, W, b)[L];
          });
          try {
            lossSum += softmaxCrossEntropy(readFloats(z), 0, rows, classes, y, start, 0, false, stats, rowLoss);
          } finally {
            z.dispose();
          }
        }
      } finally {
        tf.dispose([...W, ...b]);
      }
      return { correct: stats.correct, lossSum };
    },

    dispose() {
      // holds no tensors between calls
    },
  };
}
