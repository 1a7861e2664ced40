// The flexible path: any tfjs layers model whose trainable weights, in order, are a peer's row.
// Each call loads the row into the model's variables and lets tf.variableGrads differentiate
// the softmax cross-entropy. Slower than the hand-written kernels, and their reference in tests.

import * as tf from '@tensorflow/tfjs';
import type { ModelSpec, ParamLayout, ParamTensor } from '../types.js';
import type { StepKernel } from './kernel.js';
import { createLayout, layerSizes } from './layout.js';
import { buildCnnSequential } from './cnn-layers.js';
import { EVAL_CHUNK, checkArgs, softmaxCrossEntropy } from './kernel-util.js';

/** The built-in model as a tf.sequential of dense layers (ReLU between, logits out). */
export function buildSequential(spec: ModelSpec): tf.Sequential {
  if (spec.kind === 'cnn') return buildCnnSequential(tf, spec, { flatInput: true, output: 'linear' });
  const sizes = layerSizes(spec);
  const model = tf.sequential();
  for (let l = 0; l + 1 < sizes.length; l++) {
    model.add(
      tf.layers.dense({
        units: sizes[l + 1],
        activation: l + 2 < sizes.length ? 'relu' : 'linear',
        useBias: true,
        ...(l === 0 ? { inputShape: [sizes[0]] } : {}),
      }),
    );
  }
  return model;
}

/** A row layout following model.trainableWeights order, each tensor row-major in its tfjs shape. */
export function layoutFromModel(model: tf.LayersModel): ParamLayout {
  const tensors: ParamTensor[] = [];
  let offset = 0;
  for (const w of model.trainableWeights) {
    const shape = w.shape.map((d) => d ?? 1);
    const size = shape.reduce((a, b) => a * b, 1);
    tensors.push({ name: w.name, shape, offset, size });
    offset += size;
  }
  return { total: offset, tensors };
}

export function createLayersKernel(spec: ModelSpec): StepKernel {
  const model = buildSequential(spec);
  const layout = createLayout(spec);
  const own = layoutFromModel(model);
  own.tensors.forEach((t, i) => {
    const want = layout.tensors[i];
    if (!want || want.offset !== t.offset || want.shape.join('x') !== t.shape.join('x')) {
      throw new Error(`layers kernel: weight ${t.name} [${t.shape}] does not match ${want?.name} of the row layout`);
    }
  });
  return createLayersKernelFromModel(model, layout);
}

/**
 * A kernel over any layers model with one input [batch, features] and logits [batch, classes]
 * out (no softmax layer: the loss applies it). The row holds model.trainableWeights in order;
 * pass `layout` to rename its tensors (offsets and shapes must match). The kernel owns the model.
 */
export function createLayersKernelFromModel(model: tf.LayersModel, layout: ParamLayout = layoutFromModel(model)): StepKernel {
  const inShape = model.inputs[0].shape;
  const outShape = model.outputs[0].shape;
  if (inShape.length !== 2 || outShape.length !== 2 || inShape[1] == null || outShape[1] == null) {
    throw new Error(`layers kernel: the model must map [batch, features] to [batch, classes], got ${JSON.stringify(inShape)} -> ${JSON.stringify(outShape)}`);
  }
  const inputs = inShape[1];
  const classes = outShape[1];
  const weights = model.trainableWeights;
  const variables = weights.map((w) => w.read() as tf.Variable);
  let disposed = false;

  const load = (params: Float32Array) => {
    if (disposed) throw new Error('layers kernel: used after dispose()');
    tf.tidy(() => {
      weights.forEach((w, i) => {
        const t = layout.tensors[i];
        w.write(tf.tensor(params.subarray(t.offset, t.offset + t.size), t.shape as number[]));
      });
    });
  };

  return {
    kind: 'layers',
    layout,

    gradient(params, x, y, batch, grad) {
      checkArgs('layers kernel.gradient', layout, inputs, params, x, y, batch, grad);
      if (batch === 0) {
        grad.fill(0);
        return 0;
      }
      load(params);
      const { value, grads } = tf.variableGrads(() => {
        const X = tf.tensor2d(x.subarray(0, batch * inputs), [batch, inputs]);
        const labels = tf.oneHot(tf.tensor1d(y.subarray(0, batch), 'int32'), classes);
        const logits = model.apply(X) as tf.Tensor;
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      }, variables);
      const flat = tf.tidy(() => tf.concat(variables.map((v) => grads[v.name].reshape([-1]))));
      grad.set(flat.dataSync());
      const loss = value.dataSync()[0];
      tf.dispose([flat, value, ...Object.values(grads)]);
      return loss;
    },

    evaluate(params, x, y, n, rowLoss) {
      checkArgs('layers kernel.evaluate', layout, inputs, params, x, y, n);
      load(params);
      const stats = { correct: 0 };
      let lossSum = 0;
      for (let start = 0; start < n; start += EVAL_CHUNK) {
        const rows = Math.min(EVAL_CHUNK, n - start);
        const z = tf.tidy(() => model.predict(tf.tensor2d(x.subarray(start * inputs, (start + rows) * inputs), [rows, inputs])) as tf.Tensor);
        const data = z.dataSync() as Float32Array;
        z.dispose();
        lossSum += softmaxCrossEntropy(data, 0, rows, classes, y, start, 0, false, stats, rowLoss);
      }
      return { correct: stats.correct, lossSum };
    },

    dispose() {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}
