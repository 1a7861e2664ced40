// Where each weight of a built-in model lives in a peer's flat parameter row, and how a
// row is initialised. Every kernel and optimizer reads rows through this layout.

import type { ModelSpec, ParamLayout, ParamTensor } from '../types.js';
import type { Rng } from '../rng.js';
import { ConfigError } from '../errors.js';
import { convBlocks, flatSize } from './cnn-shape.js';

/**
 * Layer sizes of a built-in model's dense layers: inputs, hidden..., classes.
 * `logistic` has no hidden layer whatever `hidden` says; for `cnn` the first size is the
 * flattened output of the last convolutional block.
 */
export function layerSizes(spec: ModelSpec): number[] {
  const hidden = spec.kind === 'logistic' ? [] : spec.hidden;
  return [flatSize(spec), ...hidden, spec.classes];
}

/**
 * Row layout of a built-in model, layer by layer: `dense{l}/kernel` then `dense{l}/bias`.
 *
 * A kernel of shape [in, out] is stored row-major: weight (i, j) is at
 * `offset + i * out + j`. That is the shape of a Keras Dense kernel (so the layers path
 * copies it as is) and it makes row i of W, the weights fed by input i, one contiguous run:
 * the sparse kernels add `x[b, i] * W[i, :]` for each non-zero input, and write the
 * gradient row `dW[i, :]` the same way, with unit-stride SIMD loads.
 *
 * A `cnn` row starts with its convolutions, block by block: `conv{l}/kernel` of shape
 * [kernel, kernel, inChannels, filters] (tfjs' Conv2D kernel, HWIO: weight (dy, dx, ci, f) at
 * `offset + ((dy * kernel + dx) * inChannels + ci) * filters + f`, so a kernel is a
 * [patch, filters] matrix over HWC patches), then `conv{l}/bias` [filters]; the dense layers
 * follow, the first fed by the last block's pooled output flattened in HWC order (tfjs' Flatten).
 */
export function createLayout(spec: ModelSpec): ParamLayout {
  validateSpec(spec);
  const sizes = layerSizes(spec);
  const tensors: ParamTensor[] = [];
  let offset = 0;
  if (spec.kind === 'cnn') {
    convBlocks(spec.shape!, spec.conv!).forEach((b, l) => {
      const size = b.patch * b.filters;
      tensors.push({ name: `conv${l}/kernel`, shape: [b.kernel, b.kernel, b.inC, b.filters], offset, size });
      offset += size;
      tensors.push({ name: `conv${l}/bias`, shape: [b.filters], offset, size: b.filters });
      offset += b.filters;
    });
  }
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l];
    const fanOut = sizes[l + 1];
    tensors.push({ name: `dense${l}/kernel`, shape: [fanIn, fanOut], offset, size: fanIn * fanOut });
    offset += fanIn * fanOut;
    tensors.push({ name: `dense${l}/bias`, shape: [fanOut], offset, size: fanOut });
    offset += fanOut;
  }
  return { total: offset, tensors };
}

function validateSpec(spec: ModelSpec): void {
  const issues: string[] = [];
  const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
  if (spec.kind !== 'logistic' && spec.kind !== 'mlp' && spec.kind !== 'cnn') issues.push(`model.kind: unknown kind '${String(spec.kind)}', use 'logistic', 'mlp' or 'cnn'`);
  if (!positiveInt(spec.inputs)) issues.push(`model.inputs: must be a positive integer, got ${spec.inputs}`);
  if (!Number.isInteger(spec.classes) || spec.classes < 2) issues.push(`model.classes: must be an integer >= 2, got ${spec.classes}`);
  if (spec.kind === 'cnn') {
    const sh = spec.shape;
    if (!sh || !positiveInt(sh.height) || !positiveInt(sh.width) || !positiveInt(sh.channels) || sh.height * sh.width * sh.channels !== spec.inputs) {
      issues.push(`data.dataset: a cnn needs image data with a shape (height x width x channels = ${spec.inputs} inputs); this dataset has ${sh ? `${sh.height}x${sh.width}x${sh.channels}` : 'none'}`);
    } else {
      (spec.conv ?? []).forEach((b, i) => {
        for (const k of ['filters', 'kernel', 'pool'] as const) if (!positiveInt(b[k])) issues.push(`model.conv[${i}].${k}: must be a positive integer, got ${b[k]}`);
      });
      if (!spec.conv) issues.push('model.conv: a cnn needs its convolutional blocks');
      else if (issues.length === 0) {
        try {
          convBlocks(sh, spec.conv);
        } catch (e) {
          issues.push((e as Error).message);
        }
      }
    }
  }
  if (spec.kind !== 'logistic') {
    spec.hidden.forEach((h, i) => {
      if (!positiveInt(h)) issues.push(`model.hidden[${i}]: must be a positive integer, got ${h}`);
    });
  }
  if (issues.length) throw new ConfigError(issues, 'model: invalid model spec');
}

/**
 * Glorot-uniform kernels (Keras' Dense default: U(-l, l) with l = sqrt(6 / (in + out)))
 * and zero biases, drawn from `rng` in layout order so a seed fixes the whole row.
 */
export function initParams(layout: ParamLayout, spec: ModelSpec, row: Float32Array, rng: Rng): void {
  if (row.length !== layout.total) {
    throw new ConfigError(`initParams: row has ${row.length} floats but the layout of this ${spec.kind} model needs ${layout.total}`, 'model');
  }
  for (const t of layout.tensors) {
    if (t.shape.length >= 2) {
      // Keras' fans: a conv kernel [kh, kw, in, out] has fanIn kh*kw*in and fanOut kh*kw*out
      const field = t.shape.slice(0, -2).reduce((a, b) => a * b, 1);
      const limit = glorotLimit(field * t.shape[t.shape.length - 2], field * t.shape[t.shape.length - 1]);
      for (let k = t.offset, end = t.offset + t.size; k < end; k++) row[k] = (2 * rng.next() - 1) * limit;
    } else {
      row.fill(0, t.offset, t.offset + t.size);
    }
  }
}

/** The Glorot-uniform bound of a [fanIn, fanOut] kernel. */
export function glorotLimit(fanIn: number, fanOut: number): number {
  return Math.sqrt(6 / (fanIn + fanOut));
}
