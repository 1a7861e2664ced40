// Lanczos with full reorthogonalisation for a symmetric W whose rows sum to 1, run on the
// subspace orthogonal to the all-ones vector (W maps it to itself), with sparse mat-vecs only.
// Returns the tridiagonal coefficients; spectral.ts turns them into the slem.
import { createRng } from '../rng.js';
import type { MixingMatrix } from '../types.js';
import { tridiagonalEigen } from './tridiagonal.js';

const CHECK_EVERY = 10;
// a Ritz pair with residual r has an eigenvalue within r of it
const RESIDUAL_TOL = 1e-10;

/** T has diagonal alpha[0..k) and off-diagonal beta[0..k-1). */
export interface LanczosResult {
  alpha: Float64Array;
  beta: Float64Array;
  k: number;
  brokeDown: boolean;
}

/** Lanczos on W restricted to 1-perp. `earlyStop` ends once both extreme Ritz values have converged. */
export function lanczos(W: MixingMatrix, steps: number, earlyStop: boolean): LanczosResult {
  const { n } = W;
  const Q = new Float64Array(steps * n);
  const w = new Float64Array(n);
  const alpha = new Float64Array(steps);
  const beta = new Float64Array(steps);
  const h = new Float64Array(steps);
  // a fixed pseudo-random start: deterministic, yet (almost surely) not orthogonal to any eigenvector
  const rng = createRng(0x5ec7a1, 'lanczos-start');
  const q0 = Q.subarray(0, n);
  for (let i = 0; i < n; i++) q0[i] = rng.next() - 0.5;
  removeMean(q0);
  scale(q0, 1 / norm(q0));
  for (let j = 0; j < steps; j++) {
    const q = Q.subarray(j * n, (j + 1) * n);
    matVec(W, q, w);
    removeMean(w);
    const a = dot(q, w);
    alpha[j] = a;
    axpy(-a, q, w);
    if (j > 0) axpy(-beta[j - 1], Q.subarray((j - 1) * n, j * n), w);
    reorthogonalize(Q, j + 1, n, w, h);
    const b = norm(w);
    const k = j + 1;
    // an invariant subspace: every eigenvalue the start vector touches is now a Ritz value
    if (b < 1e-10) return { alpha, beta, k, brokeDown: true };
    if (k === steps) return { alpha, beta, k, brokeDown: false };
    if (earlyStop && k % CHECK_EVERY === 0 && extremesConverged(alpha, beta, k, b)) {
      return { alpha, beta, k, brokeDown: false };
    }
    beta[j] = b;
    const next = Q.subarray(k * n, (k + 1) * n);
    for (let i = 0; i < n; i++) next[i] = w[i] / b;
  }
  return { alpha, beta, k: steps, brokeDown: false };
}

/** Both the largest and the smallest Ritz value have residual |b * s_last| below tolerance. */
function extremesConverged(alpha: Float64Array, beta: Float64Array, k: number, b: number): boolean {
  const { values, lastComponents } = tridiagonalEigen(alpha, beta, k);
  let hi = 0;
  let lo = 0;
  for (let i = 1; i < k; i++) {
    if (values[i] > values[hi]) hi = i;
    if (values[i] < values[lo]) lo = i;
  }
  return Math.abs(b * lastComponents[hi]) < RESIDUAL_TOL && Math.abs(b * lastComponents[lo]) < RESIDUAL_TOL;
}

/**
 * Classical Gram-Schmidt of w against the first `count` basis vectors, repeated once if it
 * cancelled much of w ("twice is enough", Daniel-Gragg-Kaufman-Stewart). Classical rather
 * than modified so four basis vectors share each sweep over w: about twice as fast in V8.
 */
function reorthogonalize(Q: Float64Array, count: number, n: number, w: Float64Array, h: Float64Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const before = norm(w);
    let i = 0;
    for (; i + 3 < count; i += 4) {
      const o0 = i * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < n; p++) {
        const x = w[p];
        s0 += Q[o0 + p] * x;
        s1 += Q[o1 + p] * x;
        s2 += Q[o2 + p] * x;
        s3 += Q[o3 + p] * x;
      }
      h[i] = s0;
      h[i + 1] = s1;
      h[i + 2] = s2;
      h[i + 3] = s3;
    }
    for (; i < count; i++) h[i] = dotAt(Q, i * n, w);
    i = 0;
    for (; i + 3 < count; i += 4) {
      const o0 = i * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
      const c0 = h[i], c1 = h[i + 1], c2 = h[i + 2], c3 = h[i + 3];
      for (let p = 0; p < n; p++) w[p] -= c0 * Q[o0 + p] + c1 * Q[o1 + p] + c2 * Q[o2 + p] + c3 * Q[o3 + p];
    }
    for (; i < count; i++) {
      const o = i * n;
      const c = h[i];
      for (let p = 0; p < n; p++) w[p] -= c * Q[o + p];
    }
    removeMean(w);
    if (norm(w) > 0.7 * before) return;
  }
}

function dotAt(Q: Float64Array, o: number, w: Float64Array): number {
  let s = 0;
  for (let p = 0; p < w.length; p++) s += Q[o + p] * w[p];
  return s;
}

function matVec(W: MixingMatrix, x: Float64Array, y: Float64Array): void {
  const { offsets, cols, weights } = W;
  for (let i = 0; i < W.n; i++) {
    let s = 0;
    for (let p = offsets[i]; p < offsets[i + 1]; p++) s += weights[p] * x[cols[p]];
    y[i] = s;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(c: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += c * x[i];
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

function scale(a: Float64Array, c: number): void {
  for (let i = 0; i < a.length; i++) a[i] *= c;
}

function removeMean(a: Float64Array): void {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  const m = s / a.length;
  for (let i = 0; i < a.length; i++) a[i] -= m;
}
