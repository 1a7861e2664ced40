// Why a run diverged, when the run itself says: an attack whose crafted rows honest peers average,
// DP noise larger than the weights, a checkpoint it was restored from, or extreme input features.
// The learning rate is suggested only when none of these applies.
import type { ExperimentConfig } from '../config/schema.js';
import { adversaryCount, craftsMessages, describeAttack } from '../adversary/index.js';
import { aggregationOf, aggregationRules } from '../aggregation/index.js';
import { mean } from '../aggregation/mean.js';
import type { Dataset } from '../types.js';
import { LR_ADVICE, type DivergenceAdvice } from './divergence.js';

/** Features beyond this are extreme: loaders scale theirs to O(1) (IDX pixels to [0,1], CSV columns standardised). */
export const EXTREME_FEATURE = 1e3;
/** DP noise whose std on every parameter each step (lr x noise x clip / batchSize) reaches this swamps weights of O(1). */
export const NOISY_STEP = 1;

export interface DivergenceContext {
  config: ExperimentConfig;
  dataset: Dataset;
  /** the round of the checkpoint the run was restored from, when it was */
  resumedFrom?: number;
}

/** The advice ending a diverged round's message: its likely causes, or a smaller learning rate. */
export function divergenceAdvice(ctx: DivergenceContext): DivergenceAdvice {
  let maxFeature: number | undefined;
  return (round) => {
    maxFeature ??= maxAbs(ctx.dataset.train.x);
    const causes = likelyCauses(ctx, round, maxFeature);
    if (causes.length === 0) return LR_ADVICE;
    return causes.length === 1 ? `likely cause: ${causes[0]}` : `likely causes: ${causes.map((c, i) => `(${i + 1}) ${c}`).join(' ')}`;
  };
}

/** Each thing in the run that explains a divergence at `round`, with its fix. */
export function likelyCauses(ctx: DivergenceContext, round: number, maxFeature: number): string[] {
  const { config: c, resumedFrom } = ctx;
  const out: string[] = [];
  if (resumedFrom !== undefined) {
    out.push(round === resumedFrom
      ? `the parameters restored from the checkpoint of round ${resumedFrom} are already diverged, so the checkpoint is corrupt; run again from the start, or resume from a good copy of the run`
      : `the run was restored from the checkpoint of round ${resumedFrom}, which may be corrupt; run again from the start to compare`);
  }
  const a = c.adversaries;
  if (a && craftsMessages(a.attack) && round >= a.start) {
    const f = adversaryCount(a);
    const attack = `${f} of ${c.peers} peers attack with ${describeAttack(a.attack, { peers: c.peers, adversaries: f })} from round ${a.start}`;
    const robust = aggregationRules.filter((r) => r !== mean).map((r) => r.kind).join(', ');
    out.push(aggregationOf(c.aggregation.kind) === mean
      ? `${attack}: the attackers' rows can blow up honest peers unless a robust aggregation is used (aggregation is mean; use one of ${robust})`
      : `${attack}, and aggregation ${c.aggregation.kind} did not contain their rows; try fewer attackers or another robust aggregation (${robust})`);
  }
  const dp = c.privacy?.dp;
  if (dp) {
    const step = (c.train.lr * dp.noise * dp.clip) / c.train.batchSize;
    if (step >= NOISY_STEP) {
      out.push(
        `DP noise: privacy.dp.noise ${dp.noise} with privacy.dp.clip ${dp.clip} adds Gaussian noise of std ${step.toPrecision(3)} to every parameter each step ` +
        `(lr x noise x clip / batchSize ${c.train.batchSize}), beyond weights of order 1; lower privacy.dp.noise or privacy.dp.clip, or use larger batches`,
      );
    }
  }
  if (!(maxFeature <= EXTREME_FEATURE)) {
    out.push(
      `the input features are extreme (largest |feature| in the training set ${maxFeature.toPrecision(3)}, where models expect features of order 1); ` +
      `rescale or standardise data.dataset's features`,
    );
  }
  return out;
}

/** max |x_i|; NaN when an entry is NaN (so it counts as extreme). */
function maxAbs(x: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]);
    if (v > m) m = v;
    else if (v !== v) return NaN;
  }
  return m;
}
