// The hot-path gossip kernel: dst row i = sum_j w_ij * src row j over the sparse row of W.
// Peers' parameters are rows of one flat Float32Array (dim floats per peer). Rows are
// independent, so workers can each take a [rowStart, rowEnd) slice of the same call.
import type { MixingMatrix } from '../types.js';

/** Columns per block: the destination block stays in L1 while up to 4 source rows stream in. */
const BLOCK = 2048;

/**
 * Writes dst[i*dim, (i+1)*dim) = sum_j W[i][j] * src[j*dim, (j+1)*dim) for i in [rowStart, rowEnd).
 * src and dst must not overlap (dst rows are written while src rows are still read).
 * Cost O(nnz(rows) * dim), no allocation. Sources are fused four at a time (one pass over the
 * destination per four neighbours, summed in double precision), which is what makes this run
 * near memory bandwidth instead of at one multiply-add per load/store pair.
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
    const p0 = offsets[i];
    const p1 = offsets[i + 1];
    if (p0 === p1) {
      dst.fill(0, out, out + dim);
      continue;
    }
    for (let c0 = 0; c0 < dim; c0 += BLOCK) {
      const len = Math.min(BLOCK, dim - c0);
      const o = out + c0;
      for (let p = p0; p < p1; p += 4) {
        const m = Math.min(4, p1 - p);
        const first = p === p0;
        const a = cols[p] * dim + c0, wa = weights[p];
        if (m === 4) {
          const b = cols[p + 1] * dim + c0, wb = weights[p + 1];
          const c = cols[p + 2] * dim + c0, wc = weights[p + 2];
          const d = cols[p + 3] * dim + c0, wd = weights[p + 3];
          if (first) for (let k = 0; k < len; k++) dst[o + k] = wa * src[a + k] + wb * src[b + k] + wc * src[c + k] + wd * src[d + k];
          else for (let k = 0; k < len; k++) dst[o + k] += wa * src[a + k] + wb * src[b + k] + wc * src[c + k] + wd * src[d + k];
        } else if (m === 3) {
          const b = cols[p + 1] * dim + c0, wb = weights[p + 1];
          const c = cols[p + 2] * dim + c0, wc = weights[p + 2];
          if (first) for (let k = 0; k < len; k++) dst[o + k] = wa * src[a + k] + wb * src[b + k] + wc * src[c + k];
          else for (let k = 0; k < len; k++) dst[o + k] += wa * src[a + k] + wb * src[b + k] + wc * src[c + k];
        } else if (m === 2) {
          const b = cols[p + 1] * dim + c0, wb = weights[p + 1];
          if (first) for (let k = 0; k < len; k++) dst[o + k] = wa * src[a + k] + wb * src[b + k];
          else for (let k = 0; k < len; k++) dst[o + k] += wa * src[a + k] + wb * src[b + k];
        } else {
          if (first) for (let k = 0; k < len; k++) dst[o + k] = wa * src[a + k];
          else for (let k = 0; k < len; k++) dst[o + k] += wa * src[a + k];
        }
      }
    }
  }
}
