// Pieces shared by the kernels: argument checks and the softmax cross-entropy head.

import type { ParamLayout } from '../types.js';

/** Rows per chunk when evaluating: big enough to amortise per-call costs, small enough to stay in cache. */
export const EVAL_CHUNK = 1024;

/** Throws a RangeError naming the kernel when the caller's arrays do not fit the layout and batch. */
export function checkArgs(
  where: string,
  layout: ParamLayout,
  inputs: number,
  params: Float32Array,
  x: Float32Array,
  y: Uint8Array,
  rows: number,
  grad?: Float32Array,
): void {
  if (!(Number.isInteger(rows) && rows >= 0)) throw new RangeError(`${where}: batch size must be a non-negative integer, got ${rows}`);
  if (params.length !== layout.total) throw new RangeError(`${where}: params has ${params.length} floats, the layout needs ${layout.total}`);
  if (grad !== undefined && grad.length !== layout.total) throw new RangeError(`${where}: grad has ${grad.length} floats, the layout needs ${layout.total}`);
  if (x.length < rows * inputs) throw new RangeError(`${where}: x has ${x.length} floats, ${rows} rows of ${inputs} need ${rows * inputs}`);
  if (y.length < rows) throw new RangeError(`${where}: y has ${y.length} labels for ${rows} rows`);
}

/**
 * Softmax cross-entropy of `rows` logit rows at `z[zOff..]` (rows x classes). Returns the sum of
 * per-example losses; when `dz` is given, writes (softmax - onehot) * scale over the logits.
 * Computes in double precision; labels out of range throw. With `rowLoss`, also writes each row's
 * loss at rowLoss[yOff + r].
 */
export function softmaxCrossEntropy(
  z: Float32Array,
  zOff: number,
  rows: number,
  classes: number,
  y: Uint8Array,
  yOff: number,
  dzScale: number,
  writeGrad: boolean,
  stats?: { correct: number },
  rowLoss?: Float64Array,
): number {
  let lossSum = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const o = zOff + r * classes;
    const label = y[yOff + r];
    if (label >= classes) throw new RangeError(`softmaxCrossEntropy: label ${label} at row ${yOff + r} is not below ${classes} classes`);
    let max = z[o];
    let arg = 0;
    for (let c = 1; c < classes; c++) {
      if (z[o + c] > max) {
        max = z[o + c];
        arg = c;
      }
    }
    if (arg === label) correct++;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(z[o + c] - max);
    const loss = Math.log(sum) - (z[o + label] - max);
    lossSum += loss;
    if (rowLoss) rowLoss[yOff + r] = loss;
    if (writeGrad) {
      const k = dzScale / sum;
      for (let c = 0; c < classes; c++) z[o + c] = Math.exp(z[o + c] - max) * k;
      z[o + label] -= dzScale;
    }
  }
  if (stats) stats.correct += correct;
  return lossSum;
}
