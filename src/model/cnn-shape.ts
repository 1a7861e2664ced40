// The shapes through a convolutional model: each block's input, convolution output and pooled
// output (valid convolutions, stride 1; max-pooling by `pool`, any remainder dropped as tfjs does).

import type { ConvSpec, InputShape, ModelSpec } from '../types.js';

export interface ConvBlock extends ConvSpec {
  /** the block's input, HWC */
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  /** the convolution's output (before pooling) */
  readonly outH: number;
  readonly outW: number;
  /** after pooling: the next block's input */
  readonly poolH: number;
  readonly poolW: number;
  /** patch length: kernel x kernel x inC */
  readonly patch: number;
}

/** LeNet-5 style defaults of `kind: cnn`. */
export const CNN_DEFAULTS = {
  conv: [{ filters: 6, kernel: 5, pool: 2 }, { filters: 16, kernel: 5, pool: 2 }] as ConvSpec[],
  dense: [120, 84],
  activation: 'relu' as const,
};

/** Each block's geometry; throws a message naming the block when an image becomes too small. */
export function convBlocks(shape: InputShape, conv: readonly ConvSpec[]): ConvBlock[] {
  const out: ConvBlock[] = [];
  let h = shape.height, w = shape.width, c = shape.channels;
  conv.forEach((b, i) => {
    const outH = h - b.kernel + 1;
    const outW = w - b.kernel + 1;
    if (outH < 1 || outW < 1) throw new RangeError(`model.conv[${i}]: a ${b.kernel}x${b.kernel} kernel does not fit the ${h}x${w} image it receives; use a smaller kernel or fewer blocks`);
    const poolH = Math.floor(outH / b.pool);
    const poolW = Math.floor(outW / b.pool);
    if (poolH < 1 || poolW < 1) throw new RangeError(`model.conv[${i}].pool: pooling by ${b.pool} does not fit the ${outH}x${outW} convolution output; use a smaller pool`);
    out.push({ ...b, inH: h, inW: w, inC: c, outH, outW, poolH, poolW, patch: b.kernel * b.kernel * c });
    h = poolH;
    w = poolW;
    c = b.filters;
  });
  return out;
}

/** Floats one example has after the last block (the first dense layer's inputs). */
export function flatSize(spec: ModelSpec): number {
  if (spec.kind !== 'cnn') return spec.inputs;
  const blocks = convBlocks(spec.shape!, spec.conv!);
  const last = blocks[blocks.length - 1];
  return last ? last.poolH * last.poolW * last.filters : spec.inputs;
}
