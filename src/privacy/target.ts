// privacy.dp.epsilon: the noise multiplier chosen for a target guarantee, as Opacus'
// get_noise_multiplier does: the smallest noise (to 4 significant digits, rounded up) whose epsilon
// after the run's last local step is at most the target. It is written into the resolved config,
// so config.resolved.json states the noise that ran.
import type { ExperimentConfig } from '../config/schema.js';
import { probeHoldout } from '../plasticity/index.js';
import { PrivacyAccountant, samplingRate } from './accountant.js';
import { MAX_NOISE, type PrivacySpec } from './schema.js';

/** The most local steps a peer takes in the run, or undefined where that is not known in advance (async time). */
export function maxSteps(c: ExperimentConfig): number | undefined {
  return c.time.mode === 'async' ? undefined : c.rounds * c.train.localSteps;
}

/** The largest sampling rate of a peer: every shard holds examplesPerPeer examples, less plasticity's probe batch. */
export function largestRate(c: ExperimentConfig): number {
  return samplingRate(c.train.batchSize, c.data.examplesPerPeer - probeHoldout(c));
}

/** Epsilon after `steps` steps at rate q with noise multiplier `noise`. */
function epsilonFor(spec: PrivacySpec, noise: number, q: number, steps: number): number {
  return new PrivacyAccountant({ ...spec, dp: { ...spec.dp, noise } }).epsilon(q, steps);
}

/** Rounds x up to 4 significant digits. */
function roundUp4(x: number): number {
  const scale = 10 ** (Math.floor(Math.log10(x)) - 3);
  return Math.ceil(x / scale - 1e-9) * scale;
}

/**
 * The smallest noise (4 significant digits) giving at most `target` after `steps` steps at rate q,
 * by bisection on a log scale; throws when even noise MAX_NOISE cannot reach it.
 */
export function noiseForEpsilon(spec: PrivacySpec, target: number, q: number, steps: number): number {
  let lo = 0.01;
  let hi = MAX_NOISE;
  if (epsilonFor(spec, hi, q, steps) > target) {
    throw new RangeError(`epsilon ${target} is out of reach: even noise ${hi} gives ${epsilonFor(spec, hi, q, steps).toPrecision(3)} after ${steps} steps at q = ${q.toPrecision(3)}`);
  }
  if (epsilonFor(spec, lo, q, steps) <= target) return lo;
  for (let i = 0; i < 40 && hi / lo > 1 + 1e-5; i++) {
    const mid = Math.sqrt(lo * hi);
    if (epsilonFor(spec, mid, q, steps) <= target) hi = mid;
    else lo = mid;
  }
  const noise = roundUp4(hi);
  return epsilonFor(spec, noise, q, steps) <= target ? noise : hi;
}

/**
 * Fills privacy.dp.noise from privacy.dp.epsilon. Both given is refused, unless the noise is the one
 * the target chooses: what config.resolved.json records, so a run's own config resolves again
 * (resume, a sweep's re-run). Returns the problems, as config checks do.
 */
export function resolveTargetEpsilon(c: ExperimentConfig): string[] {
  const p = c.privacy;
  if (!p || p.dp.epsilon === undefined) return [];
  const steps = maxSteps(c);
  if (steps === undefined) {
    return ['privacy.dp.epsilon: in asynchronous time a peer\'s number of steps is not known in advance, so no noise can be chosen for it; give privacy.dp.noise'];
  }
  const q = largestRate(c);
  const target = p.dp.epsilon;
  let chosen: number;
  try {
    chosen = noiseForEpsilon(p, target, q, steps);
  } catch (e) {
    return [`privacy.dp.epsilon: ${(e as Error).message}; allow a larger epsilon, fewer rounds or local steps, or a smaller batch`];
  }
  const given = p.dp.noise;
  if (!Number.isNaN(given) && given !== chosen) {
    const reached = epsilonFor(p, given, q, steps);
    return [
      `privacy.dp: noise ${given} and epsilon ${target} are both given, and they disagree: epsilon ${target} chooses noise ${chosen} ` +
      `(after ${steps} steps at q = ${q.toPrecision(3)}), noise ${given} gives epsilon ${reached.toPrecision(4)}; ` +
      'give one of them: noise for a fixed noise multiplier, or epsilon to have the noise chosen',
    ];
  }
  p.dp.noise = chosen;
  return [];
}
