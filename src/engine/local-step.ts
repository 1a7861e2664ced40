// The host of the local step: runs a peer's `localSteps` steps through the run's pipeline of stages
// (src/step/: sample -> batch -> gradient -> transform) and the optimizer. No feature is named
// here; DP, poisoning and plug-in stages come in through the pipeline.
import { Rng } from '../rng.js';
import type { StepKernel } from '../model/kernel.js';
import type { FlatOptimizer } from '../model/optimizer.js';
import type { Pipeline, PipelineStage } from '../step/pipeline.js';
import type { StepEnv } from '../step/types.js';
import { PluginFault } from './plugin-guard.js';
import type { Scratch } from './scratch.js';
import type { SharedState, TrainSettings } from './shared-state.js';

/** A local step whose loss is not a finite number: the run diverged. */
export class NonFiniteLoss extends Error {}

/** The one step environment of a thread, its per-step fields set by trainPeer. */
export function createStepEnv(state: SharedState, settings: TrainSettings, kernel: StepKernel, scratch: Scratch): StepEnv {
  return {
    dim: state.dim, features: state.features, classes: settings.classes, peers: state.peers, batchSize: settings.batchSize, seed: settings.seed, kernel,
    peer: 0, round: 0, step: 0, adversarial: false, rng: new Rng(state.rngState, 0), row: new Float32Array(0),
    order: state.order, shardStart: 0, shardSize: 0, cursor: state.cursor,
    indices: state.order, offset: 0, size: 0,
    x: new Float32Array(0), y: new Uint8Array(0), grad: new Float32Array(state.dim), loss: 0,
    scratch: (name, n) => scratch.f32(name, n), scratch64: (name, n) => scratch.f64(name, n), scratchI32: (name, n) => scratch.i32(name, n),
  };
}

export interface LocalStep {
  state: SharedState;
  settings: TrainSettings;
  kernel: StepKernel;
  optimizer: FlatOptimizer;
  pipeline: Pipeline;
  env: StepEnv;
  scratch: Scratch;
  /** batchSize-sized input and label buffers (a 'shard' sampler uses scratch as large as the shard) */
  xBuf: Float32Array;
  yBuf: Uint8Array;
}

/** `localSteps` optimizer steps of peer p in place in its row of `params`. */
export function trainPeer(ls: LocalStep, params: Float32Array, p: number, round: number): void {
  const { state: s, settings, kernel, pipeline, env } = ls;
  const { dim, features, optSlots } = s;
  const { batchSize: B, localSteps, lr } = settings;
  const row = params.subarray(p * dim, (p + 1) * dim);
  const opt = s.optState.subarray(p * optSlots * dim, (p + 1) * optSlots * dim);
  const start = s.partOffsets[p];
  const count = s.partOffsets[p + 1] - start;
  // plain SGD runs fused inside kernels that offer it (the gradient never leaves the kernel)
  const fusedSgd = !pipeline.gradient && pipeline.transform.length === 0 && settings.optimizer.kind === 'sgd' ? kernel.sgdStep : undefined;
  const plan = settings.adversaries;
  env.peer = p;
  env.round = round;
  env.adversarial = plan !== undefined && plan.mask[p] === 1 && round >= plan.start;
  env.rng = new Rng(s.rngState, p * 4);
  env.row = row;
  env.shardStart = start;
  env.shardSize = count;
  const wide = pipeline.upTo === 'shard';
  const xBuf = wide ? ls.scratch.f32('batchX', count * features) : ls.xBuf;
  const yBuf = wide ? ls.scratch.u8('batchY', count) : ls.yBuf;
  env.x = xBuf;
  env.y = yBuf;
  for (let step = 0; step < localSteps; step++) {
    env.step = step;
    runStage(pipeline.sample, env);
    const { indices, offset, size } = env;
    for (let k = 0; k < size; k++) {
      const ex = indices[offset + k];
      xBuf.set(s.trainX.subarray(ex * features, (ex + 1) * features), k * features);
      yBuf[k] = s.trainY[ex];
    }
    for (let i = 0; i < pipeline.batch.length; i++) runStage(pipeline.batch[i], env);
    let loss: number;
    if (fusedSgd && lr !== 0) {
      loss = fusedSgd.call(kernel, row, xBuf, yBuf, B, lr);
    } else {
      if (pipeline.gradient) runStage(pipeline.gradient, env);
      else env.loss = kernel.gradient(row, xBuf, yBuf, B, env.grad);
      loss = env.loss;
      if (Number.isFinite(loss)) for (let i = 0; i < pipeline.transform.length; i++) runStage(pipeline.transform[i], env);
    }
    s.stepCount[p] += 1;
    if (!fusedSgd && lr !== 0 && Number.isFinite(loss)) ls.optimizer.apply(row, env.grad, opt, s.stepCount[p]);
    if (!Number.isFinite(loss)) throw new NonFiniteLoss(`the training loss is ${loss}`);
  }
}

/** A built-in stage runs as is; a plug-in's throw or non-finite gradient names its file, stage, round and peer. */
function runStage(st: PipelineStage, env: StepEnv): void {
  if (st.source === undefined) return st.run(env);
  try {
    st.run(env);
  } catch (e) {
    throw new PluginFault(`plug-in ${st.source}: ${st.what} threw at round ${env.round} for peer ${env.peer}: ${(e as Error)?.message ?? e}`, env.peer, env.round);
  }
  const bad = badOutput(env);
  if (bad) throw new PluginFault(`plug-in ${st.source}: ${st.what} ${bad} at round ${env.round} for peer ${env.peer}; a stage must write finite numbers and labels below ${env.classes}`, env.peer, env.round);
}

/** What is wrong in the step's batch or gradient after a plug-in stage, or undefined. */
function badOutput(env: StepEnv): string | undefined {
  const { grad, y, x, size, features, classes } = env;
  for (let k = 0; k < size; k++) if (y[k] >= classes) return `wrote label ${y[k]} (example ${k})`;
  for (let i = 0; i < size * features; i++) if (!Number.isFinite(x[i])) return `wrote ${x[i]} (input ${i})`;
  for (let c = 0; c < grad.length; c++) if (!Number.isFinite(grad[c])) return `wrote ${grad[c]} (gradient ${c})`;
  return undefined;
}
