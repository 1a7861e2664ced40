// The mean over seeds and its 95% confidence interval (Student t with n - 1 degrees of freedom).
import { studentTQuantile } from './t-quantile.js';

export const CONFIDENCE = 0.95;

export interface Estimate {
  /** values that entered (finite ones only) */
  n: number;
  mean: number;
  /** sample standard deviation (n - 1 in the denominator); NaN for n < 2 */
  sd: number;
  /** half-width of the confidence interval: t_{0.975, n-1} sd / sqrt(n); NaN for n < 2 */
  half: number;
  low: number;
  high: number;
}

/** Mean and 95% CI of the finite values among `values`; NaN where there are too few. */
export function estimate(values: readonly (number | null | undefined)[]): Estimate {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, sd: NaN, half: NaN, low: NaN, high: NaN };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  if (n === 1) return { n, mean, sd: NaN, half: NaN, low: NaN, high: NaN };
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = (studentTQuantile(1 - (1 - CONFIDENCE) / 2, n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, half, low: mean - half, high: mean + half };
}

/** [min, max] of `values` by a loop: spreading a run's 100,000 values into Math.min overflows the stack. */
export function extent(values: readonly number[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}
