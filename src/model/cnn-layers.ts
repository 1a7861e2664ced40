// A `kind: cnn` spec as a tf.sequential: Conv2D (valid, stride 1, with the activation),
// MaxPooling2D where pool > 1, Flatten, Dense. Its trainableWeights follow the row layout
// (conv kernels are HWIO, Flatten is HWC), so a row loads into it as is. Conv, pool, activation
// equals the fast kernel's conv, activation-after-pool: the activations are monotonic.

import type * as tfNs from '@tensorflow/tfjs';
import type { ModelSpec } from '../types.js';
import { layerSizes } from './layout.js';

type Tf = typeof tfNs;

export interface CnnModelOptions {
  /** input [batch, features] reshaped to the image (the kernels' interface), or [batch, h, w, c] (export) */
  flatInput: boolean;
  /** last layer: 'linear' logits (training) or 'softmax' probabilities (export) */
  output: 'linear' | 'softmax';
}

export function buildCnnSequential(tf: Tf, spec: ModelSpec, opts: CnnModelOptions): tfNs.Sequential {
  const shape = spec.shape!;
  const image = [shape.height, shape.width, shape.channels];
  const act = spec.activation ?? 'relu';
  const model = tf.sequential();
  if (opts.flatInput) model.add(tf.layers.reshape({ targetShape: image, inputShape: [spec.inputs] }));
  spec.conv!.forEach((b, l) => {
    model.add(tf.layers.conv2d({
      filters: b.filters, kernelSize: b.kernel, strides: 1, padding: 'valid', activation: act, useBias: true,
      ...(l === 0 && !opts.flatInput ? { inputShape: image } : {}),
    }));
    if (b.pool > 1) model.add(tf.layers.maxPooling2d({ poolSize: b.pool, strides: b.pool, padding: 'valid' }));
  });
  model.add(tf.layers.flatten());
  const sizes = layerSizes(spec);
  for (let l = 1; l < sizes.length; l++) {
    const last = l + 1 === sizes.length;
    model.add(tf.layers.dense({ units: sizes[l], activation: last ? opts.output : act, useBias: true }));
  }
  return model;
}
