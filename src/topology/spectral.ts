// How fast gossip averages: the second-largest eigenvalue modulus (slem) of a symmetric,
// doubly-stochastic W, i.e. the spectral radius of W - (1/n) 11^T. Lanczos with full
// reorthogonalisation runs on the subspace orthogonal to 1 (W maps it to itself), with
// sparse mat-vecs only; the Ritz values come from the small tridiagonal matrix.
import { TopologyError } from '../errors.js';
import type { MixingMatrix } from '../types.js';
import { lanczos } from './lanczos.js';
import { tridiagonalEigen } from './tridiagonal.js';

export interface SpectralGap {
  /** second-largest eigenvalue modulus of W (1 if the graph is disconnected) */
  readonly slem: number;
  /** 1 - slem */
  readonly gap: number;
  /** true when the Krylov space was complete (n - 1 <= maxIter, or Lanczos broke down): slem is exact to ~1e-9 */
  readonly exact: boolean;
}

export interface SpectralOptions {
  /** Lanczos steps for large graphs. Default: 300, fewer when n is large enough that
   * full reorthogonalisation (about steps^2 * n flops) would exceed ~0.5 Gflop. */
  readonly maxIter?: number;
}

// full reorthogonalisation dominates the cost at steps^2 * n; this keeps a default call
// on a 10,000-peer graph well under a second
const DEFAULT_WORK = 5e8;
// past this many Float64 Lanczos vectors (256 MB) the step count is capped as well
const MAX_BASIS_DOUBLES = 32_000_000;

export function spectralGap(W: MixingMatrix, opts: SpectralOptions = {}): SpectralGap {
  const { n } = W;
  checkSymmetricStochastic(W);
  if (n <= 1) return { slem: 0, gap: 1, exact: true };
  // a second unit eigenvalue per extra component; Lanczos would find it too, but this is certain
  if (!isConnected(W)) return { slem: 1, gap: 0, exact: true };
  const maxIter = Math.max(1, opts.maxIter ?? Math.min(300, Math.floor(Math.sqrt(DEFAULT_WORK / n))));
  const completes = n - 1 <= maxIter;
  const steps = Math.min(n - 1, maxIter, Math.max(2, Math.floor(MAX_BASIS_DOUBLES / n)));
  const { alpha, beta, k, brokeDown } = lanczos(W, steps, !completes);
  const { values } = tridiagonalEigen(alpha, beta, k);
  let slem = 0;
  for (const v of values) slem = Math.max(slem, Math.abs(v));
  slem = Math.min(1, slem);
  return { slem, gap: 1 - slem, exact: brokeDown || k === n - 1 };
}

/** Per-round contraction of the squared consensus distance, slem^2. */
export function consensusRate(W: MixingMatrix): number {
  const { slem } = spectralGap(W);
  return slem * slem;
}

/** Connectivity of the graph of W's nonzero off-diagonal entries (symmetric, so BFS from 0 suffices). */
function isConnected(W: MixingMatrix): boolean {
  const seen = new Uint8Array(W.n);
  const stack = new Int32Array(W.n);
  let top = 0;
  let count = 1;
  seen[0] = 1;
  stack[top++] = 0;
  while (top > 0) {
    const i = stack[--top];
    for (let p = W.offsets[i]; p < W.offsets[i + 1]; p++) {
      const j = W.cols[p];
      if (W.weights[p] !== 0 && !seen[j]) {
        seen[j] = 1;
        count++;
        stack[top++] = j;
      }
    }
  }
  return count === W.n;
}

/** The slem theory needs W = W^T with unit row sums; anything else is a caller bug. */
function checkSymmetricStochastic(W: MixingMatrix): void {
  for (let i = 0; i < W.n; i++) {
    let sum = 0;
    for (let p = W.offsets[i]; p < W.offsets[i + 1]; p++) {
      const j = W.cols[p];
      sum += W.weights[p];
      if (Math.abs(entry(W, j, i) - W.weights[p]) > 1e-12) {
        throw new TopologyError(
          `spectralGap: W is not symmetric (W[${i}][${j}] != W[${j}][${i}]); ` +
            `the spectral gap needs metropolis or uniform weights on an undirected topology`,
        );
      }
    }
    if (Math.abs(sum - 1) > 1e-9) {
      throw new TopologyError(`spectralGap: row ${i} of W sums to ${sum}, not 1; W must be doubly stochastic`);
    }
  }
}

function entry(W: MixingMatrix, i: number, j: number): number {
  let lo = W.offsets[i];
  let hi = W.offsets[i + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = W.cols[mid];
    if (c === j) return W.weights[mid];
    if (c < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}
