// A run's local-step pipeline: what each feature contributes (privacy's sampling, clipping and
// noise; a poisoning attack's batch stage; the stages train.stages names), sorted by where each
// runs. Built once per thread from the run's settings; the host (src/engine/local-step.ts) runs it.
import { attackStages } from '../adversary/stage.js';
import type { AdversaryPlan } from '../adversary/plan.js';
import { ConfigError } from '../errors.js';
import { privacyStages } from '../privacy/stages.js';
import type { PrivacySpec } from '../privacy/schema.js';
import { stageRegistry, type StageSpec } from './index.js';
import { shuffleSampling } from './shuffle.js';
import type { Stage, StageAt, StageInfo, StageStep } from './types.js';

/** A stage in a pipeline: its step, what messages call it, and the plug-in file it comes from (absent for a built-in). */
export interface PipelineStage {
  run: StageStep;
  what: string;
  source?: string;
}

export interface Pipeline {
  sample: PipelineStage;
  batch: PipelineStage[];
  /** absent: the kernel's own gradient (and its fused SGD step where nothing transforms the gradient) */
  gradient?: PipelineStage;
  transform: PipelineStage[];
  /** how many examples a batch can hold */
  upTo: 'batch' | 'shard';
}

/** What a pipeline is built from (TrainSettings has these fields). */
export interface PipelineSettings {
  privacy?: PrivacySpec;
  adversaries?: AdversaryPlan;
  stages: readonly StageSpec[];
}

interface StageUse {
  stage: Stage;
  spec: unknown;
  what: string;
  source?: string;
}

/** Every feature that adds stages, in the order their stages run within one `at`. */
const contributors: ((s: PipelineSettings) => StageUse[])[] = [
  (s) => privacyStages(s.privacy).map((u) => ({ ...u, what: `privacy stage '${u.stage.kind}'` })),
  (s) => attackStages(s.adversaries),
  (s) => s.stages.map((spec) => {
    const source = stageRegistry.sourceOf(spec.kind);
    return { stage: stageRegistry.get(spec.kind), spec, what: `stage '${spec.kind}'`, source: source === 'built-in' ? undefined : source };
  }),
];

/** The stages the settings turn on, by where they run; a ConfigError when two want the one sampler or gradient. */
export function createPipeline(settings: PipelineSettings, info: StageInfo): Pipeline {
  const uses = contributors.flatMap((c) => c(settings));
  const at = (where: StageAt) => uses.filter((u) => u.stage.at === where);
  const single = (where: StageAt): StageUse | undefined => {
    const list = at(where);
    if (list.length > 1) {
      throw new ConfigError(`train.stages: ${list.map((u) => u.what).join(' and ')} both choose the ${where === 'sample' ? 'batch (sample)' : 'gradient'} of a step; keep one`);
    }
    return list[0];
  };
  const make = (u: StageUse): PipelineStage => ({ run: u.stage.create(u.spec as never, info), what: u.what, source: u.source });
  const sample = single('sample');
  const gradient = single('gradient');
  return {
    sample: sample ? make(sample) : make({ stage: shuffleSampling as Stage, spec: { kind: shuffleSampling.kind }, what: 'sampling' }),
    batch: at('batch').map(make),
    gradient: gradient && make(gradient),
    transform: at('transform').map(make),
    upTo: sample?.stage.upTo ?? 'batch',
  };
}
