// Rényi DP of the Poisson-subsampled Gaussian mechanism (Mironov 2017; Mironov, Talwar, Zhang 2019)
// and its conversion to (epsilon, delta): TF Privacy's compute_rdp / _compute_log_a, in float64.
import { logErfc } from './erfc.js';

/** TF Privacy's tutorial orders (1.1 ... 10.9, 12 ... 63) plus Opacus' 128, 256, 512. */
export const DEFAULT_ORDERS: readonly number[] = [
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
  128, 256, 512,
];

/** log(e^x + e^y) without overflow. */
export function logAdd(x: number, y: number): number {
  const a = Math.min(x, y), b = Math.max(x, y);
  if (a === -Infinity) return b;
  return Math.log1p(Math.exp(a - b)) + b;
}

/** log(e^x - e^y) for x >= y. */
export function logSub(x: number, y: number): number {
  if (x < y) throw new RangeError(`logSub: the result of subtraction must be non-negative (${x} < ${y})`);
  if (y === -Infinity) return x;
  if (x === y) return -Infinity;
  const d = Math.expm1(x - y);
  return d === Infinity ? x : Math.log(d) + y;
}

/** log A_alpha for an integer order: a finite binomial sum (Mironov, Talwar, Zhang 2019, section 3.3). */
export function logAInt(q: number, sigma: number, alpha: number): number {
  const lq = Math.log(q), l1q = Math.log1p(-q);
  let logA = -Infinity;
  let logBinom = 0; // log C(alpha, i), built up term by term
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log(alpha - i + 1) - Math.log(i);
    const s = logBinom + i * lq + (alpha - i) * l1q + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, s);
  }
  return logA;
}

/** log A_alpha for a fractional order: two infinite series split at z0, summed until their terms fall below e^-30. */
export function logAFrac(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity, logA1 = -Infinity;
  const s2 = sigma * sigma;
  const z0 = s2 * Math.log(1 / q - 1) + 0.5;
  const lq = Math.log(q), l1q = Math.log1p(-q), lHalf = Math.log(0.5);
  // the generalised binomial coefficient C(alpha, i): its log-magnitude and sign
  let logCoef = 0, positive = true;
  for (let i = 0; ; i++) {
    if (i > 0) {
      const f = alpha - i + 1;
      logCoef += Math.log(Math.abs(f)) - Math.log(i);
      if (f < 0) positive = !positive;
    }
    const j = alpha - i;
    const logT0 = logCoef + i * lq + j * l1q;
    const logT1 = logCoef + j * lq + i * l1q;
    const logE0 = lHalf + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = lHalf + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * s2) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * s2) + logE1;
    if (positive) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    // (a NaN term stops the sum too, rather than looping forever)
    if (!(Math.max(logS0, logS1) >= -30)) break;
  }
  return logAdd(logA0, logA1);
}

/** RDP at one order of one step of the sampled Gaussian mechanism with sampling rate q and noise multiplier sigma. */
export function rdpStep(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (alpha === Infinity) return Infinity;
  const logA = Number.isInteger(alpha) ? logAInt(q, sigma, alpha) : logAFrac(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** The RDP of `steps` compositions at every order (RDP adds up over steps). */
export function computeRdp(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_ORDERS): Float64Array {
  return Float64Array.from(orders, (a) => rdpStep(q, sigma, a) * steps);
}

export interface EpsilonAt {
  epsilon: number;
  /** the order attaining it */
  order: number;
}

/** Mironov 2017, Proposition 3: epsilon = min over orders of rdp - log(delta) / (alpha - 1). */
export function epsilonClassic(orders: readonly number[], rdp: ArrayLike<number>, delta: number): EpsilonAt {
  let best: EpsilonAt = { epsilon: Infinity, order: orders[0] };
  for (let k = 0; k < orders.length; k++) {
    const eps = rdp[k] - Math.log(delta) / (orders[k] - 1);
    if (eps < best.epsilon) best = { epsilon: eps, order: orders[k] };
  }
  return best;
}

/**
 * Balle et al. 2020, Theorem 21 (TF Privacy's newer _compute_eps, Opacus' get_privacy_spent):
 * epsilon = rdp + log1p(-1/alpha) - (log(delta) + log(alpha)) / (alpha - 1), at least 0.
 */
export function epsilonBalle(orders: readonly number[], rdp: ArrayLike<number>, delta: number): EpsilonAt {
  let best: EpsilonAt = { epsilon: Infinity, order: orders[0] };
  for (let k = 0; k < orders.length; k++) {
    const a = orders[k], r = rdp[k];
    let eps: number;
    // the KL bound delta <= sqrt(1 - exp(-rdp)) already gives epsilon 0
    if (delta * delta + Math.expm1(-r) >= 0) eps = 0;
    // unstable as alpha -> 1, and of no use there
    else if (a > 1.01) eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
    else eps = Infinity;
    if (eps < best.epsilon) best = { epsilon: eps, order: a };
  }
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}
