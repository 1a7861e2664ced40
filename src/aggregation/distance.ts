// Squared Euclidean distance between two stretches of a parameter buffer, summed in float64 in a
// fixed lane order so the SIMD kernel (src/wasm/exchange-module.ts, sqDist) gives the same bits.

/** Columns a lane-ordered pass takes at a time; the rest are added one by one after. */
export const DISTANCE_LANES = 8;

/**
 * sum_{c < len} (src[a + c] - src[b + c])^2 in float64: column c adds to lane c mod 8 while a
 * full pass of 8 remains, the lanes are summed ((l0 + l2) + (l4 + l6)) + ((l1 + l3) + (l5 + l7)),
 * then the last len mod 8 columns are added in order. The same bits for (a, b) and (b, a).
 */
export function squaredDistance(src: Float32Array, a: number, b: number, len: number): number {
  const vec = len - (len % DISTANCE_LANES);
  let l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
  for (let c = 0; c < vec; c += DISTANCE_LANES) {
    const pa = a + c, pb = b + c;
    const d0 = src[pa] - src[pb], d1 = src[pa + 1] - src[pb + 1];
    const d2 = src[pa + 2] - src[pb + 2], d3 = src[pa + 3] - src[pb + 3];
    const d4 = src[pa + 4] - src[pb + 4], d5 = src[pa + 5] - src[pb + 5];
    const d6 = src[pa + 6] - src[pb + 6], d7 = src[pa + 7] - src[pb + 7];
    l0 += d0 * d0; l1 += d1 * d1; l2 += d2 * d2; l3 += d3 * d3;
    l4 += d4 * d4; l5 += d5 * d5; l6 += d6 * d6; l7 += d7 * d7;
  }
  return squaredTail(src, a, b, vec, len, ((l0 + l2) + (l4 + l6)) + ((l1 + l3) + (l5 + l7)));
}

/** acc plus the squared differences of columns [c0, c1), in order. */
export function squaredTail(src: Float32Array, a: number, b: number, c0: number, c1: number, acc: number): number {
  for (let c = c0; c < c1; c++) {
    const d = src[a + c] - src[b + c];
    acc += d * d;
  }
  return acc;
}
