// The hot-path gossip kernel: dst row i = sum_j w_ij * src row j over the sparse row of W.
// Peers' parameters are rows of one flat Float32Array (dim floats per peer). Rows are
// independent, so workers can each take a [rowStart, rowEnd) slice of the same call.
import type { MixingMatrix } from '../types.js';

/**
 * Writes dst[i*dim, (i+1)*dim) = sum_j W[i][j] * src[j*dim, (j+1)*dim) for i in [rowStart, rowEnd).
 * src and dst must not overlap (dst rows are written while src rows are still read).
 * Cost O(nnz(rows) * dim), no allocation.
 */
export function mixRows(
  W: MixingMatrix,
  src: Float32Array,
  dst: Float32Array,
  dim: number,
  rowStart: number,
  rowEnd: number,
): void {
  const { offsets, cols, weights } = W;
  for (let i = rowStart; i < rowEnd; i++) {
    const out = i * dim;
    const end = out + dim;
    const p0 = offsets[i];
    const p1 = offsets[i + 1];
    if (p0 === p1) {
      dst.fill(0, out, end);
      continue;
    }
    // the first entry assigns, so dst needs no clearing pass
    let w = weights[p0];
    let s = cols[p0] * dim - out;
    for (let d = out; d < end; d++) dst[d] = w * src[d + s];
    for (let p = p0 + 1; p < p1; p++) {
      w = weights[p];
      s = cols[p] * dim - out;
      for (let d = out; d < end; d++) dst[d] += w * src[d + s];
    }
  }
}
