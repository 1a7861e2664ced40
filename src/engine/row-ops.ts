// Row kernels for protocols that keep a second buffer (aux) per peer: compression into it and
// the consensus step from it. Each row depends only on its own inputs, so any split of rows over
// workers gives the same bits.
import { createRng } from '../rng.js';
import type { MixingMatrix } from '../types.js';
import { createCompressor, type CompressionScratch, type CompressionSpec } from '../protocol/compression/index.js';

export interface RowScratch {
  diff: Float32Array;
  q: Float32Array;
  acc: Float64Array;
  compression: CompressionScratch;
}

export function createRowScratch(dim: number): RowScratch {
  return {
    diff: new Float32Array(dim),
    q: new Float32Array(dim),
    acc: new Float64Array(dim),
    compression: { f32: new Float32Array(dim), mark: new Uint8Array(dim) },
  };
}

/** aux_i += C(x_i - aux_i) for rows [r0, r1); C's randomness from (seed, 'compress', i, round). */
export function compressRows(
  spec: CompressionSpec, x: Float32Array, aux: Float32Array, dim: number,
  r0: number, r1: number, seed: number, round: number, scratch: RowScratch,
): void {
  const compressor = createCompressor(spec);
  const { diff, q } = scratch;
  for (let i = r0; i < r1; i++) {
    const o = i * dim;
    if (spec.kind === 'none') {
      for (let c = 0; c < dim; c++) aux[o + c] = x[o + c];
      continue;
    }
    for (let c = 0; c < dim; c++) diff[c] = x[o + c] - aux[o + c];
    compressor.compress(diff, q, () => createRng(seed, 'compress', i, round), scratch.compression);
    for (let c = 0; c < dim; c++) aux[o + c] += q[c];
  }
}

/** x_i += gamma * (sum_j W_ij aux_j - aux_i) for rows [r0, r1), accumulated in float64. */
export function consensusRows(
  W: MixingMatrix, x: Float32Array, aux: Float32Array, dim: number, gamma: number,
  r0: number, r1: number, scratch: RowScratch,
): void {
  const acc = scratch.acc;
  for (let i = r0; i < r1; i++) {
    const o = i * dim;
    for (let c = 0; c < dim; c++) acc[c] = -aux[o + c];
    for (let k = W.offsets[i]; k < W.offsets[i + 1]; k++) {
      const w = W.weights[k];
      const s = W.cols[k] * dim;
      for (let c = 0; c < dim; c++) acc[c] += w * aux[s + c];
    }
    for (let c = 0; c < dim; c++) x[o + c] += gamma * acc[c];
  }
}
