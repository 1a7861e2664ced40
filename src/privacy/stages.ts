// What DP-SGD contributes to the local step (src/step/): Poisson sampling ('sample', or the default
// shuffled batches under privacy.sampling shuffle), per-example clipping summed and divided by the
// expected batch size ('gradient'), and Gaussian noise on that sum ('transform'). Together they are
// noisyGradient() of ./dp-sgd.ts, in the same order of draws from the peer's stream.
import { z } from 'zod';
import { defineStage, type Stage } from '../step/types.js';
import { addGaussianNoise } from './gaussian.js';
import { clippedGradient, poissonSample, samplingRate } from './dp-sgd.js';
import type { PrivacySpec } from './schema.js';

export const poissonSampling = defineStage({
  kind: 'poisson-sampling',
  schema: z.object({ kind: z.literal('poisson-sampling') }).strict(),
  summary: 'each example of the shard joins the batch with probability batchSize / shard size',
  at: 'sample',
  upTo: 'shard',
  create: (_spec, { batchSize }) => (env) => {
    const picked = env.scratchI32('picked', env.shardSize);
    env.size = poissonSample(env.rng, env.order, env.shardStart, env.shardSize, samplingRate(batchSize, env.shardSize), picked);
    env.indices = picked;
    env.offset = 0;
  },
});

export const perExampleClipping = defineStage({
  kind: 'dp-clipped-gradient',
  schema: z.object({ kind: z.literal('dp-clipped-gradient'), clip: z.number().gt(0) }).strict(),
  summary: 'sum of per-example gradients clipped to L2 norm clip, divided by the expected batch size',
  at: 'gradient',
  create: ({ clip }, { batchSize }) => (env) => {
    env.loss = clippedGradient(env.kernel, env.row, env.x, env.y, env.size, env.features, clip, 1 / batchSize, env.grad, env.scratch('exampleGrad', env.dim));
  },
});

export const gaussianNoise = defineStage({
  kind: 'dp-gaussian-noise',
  schema: z.object({ kind: z.literal('dp-gaussian-noise'), noise: z.number().min(0), clip: z.number().gt(0) }).strict(),
  summary: 'Gaussian noise of std noise x clip / batchSize on the gradient',
  at: 'transform',
  create: ({ noise, clip }, { batchSize }) => {
    const std = (noise * clip) / batchSize;
    return (env) => addGaussianNoise(env.rng, env.grad, std);
  },
});

/** The stages privacy adds to every peer's step, with their specs. */
export function privacyStages(privacy: PrivacySpec | undefined): { stage: Stage; spec: unknown }[] {
  if (!privacy) return [];
  const { clip, noise } = privacy.dp;
  return [
    ...(privacy.sampling === 'poisson' ? [{ stage: poissonSampling as Stage, spec: { kind: poissonSampling.kind } }] : []),
    { stage: perExampleClipping as Stage, spec: { kind: perExampleClipping.kind, clip } },
    { stage: gaussianNoise as Stage, spec: { kind: gaussianNoise.kind, noise, clip } },
  ];
}
