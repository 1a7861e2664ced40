// Divergence: a run whose parameters become non-finite or explode learns nothing more, so it
// stops at the first round that shows it, before that round is reported.
import { DivergenceError } from '../errors.js';

/** Root-mean-square parameter beyond which a run counts as diverged (trained weights are O(1)). */
export const EXPLODED_RMS = 1e6;

/** What to try, when nothing in the run explains a divergence better (divergence-cause.ts does). */
export const LR_ADVICE = 'try a smaller train.lr';

/** The end of a diverged round's message: its likely cause and fix, given the round. */
export type DivergenceAdvice = (round: number) => string;

const lrAdvice: DivergenceAdvice = () => LR_ADVICE;

/** The error of a round that diverged: what was seen, (peer,) then the advice. */
export function divergedError(round: number, what: string, advice: DivergenceAdvice = lrAdvice, peer?: number): DivergenceError {
  return new DivergenceError(`training diverged at round ${round}: ${what}${peer === undefined ? '' : ` (peer ${peer})`}; ${advice(round)}`, round, peer);
}

/**
 * Throws DivergenceError when the network's parameters are non-finite or exploded.
 * `meanSq` is |x_bar|^2 and `consensus` the mean of |x_i - x_bar|^2, so their sum over `dim` is
 * the mean squared parameter.
 */
export function checkDivergence(round: number, meanSq: number, consensus: number, dim: number, meanLoss?: number, advice?: DivergenceAdvice): void {
  const rms = Math.sqrt((meanSq + consensus) / dim);
  const lossBad = meanLoss !== undefined && !Number.isFinite(meanLoss);
  if (Number.isFinite(rms) && rms <= EXPLODED_RMS && !lossBad) return;
  const what = !Number.isFinite(rms)
    ? 'parameters are no longer finite numbers'
    : lossBad
      ? `the test loss is ${meanLoss}`
      : `parameters exploded (root-mean-square ${rms.toExponential(2)}, limit ${EXPLODED_RMS.toExponential(0)})`;
  throw divergedError(round, what, advice);
}

/** |x|^2 of a float64 vector. */
export function squaredNorm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}
