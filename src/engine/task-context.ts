// What a task handler runs with in its thread (a pool worker, or the main thread with --workers 0),
// and the shape of a handler: the same code in both places, so results cannot depend on where a task ran.
import { loadPlugins } from '../config/plugins.js';
import { createKernel, kernelBackend, type StepKernel } from '../model/kernel.js';
import { createOptimizer, type FlatOptimizer } from '../model/optimizer.js';
import { createPipeline } from '../step/pipeline.js';
import { instantiateExchange, type ExchangeKernels } from '../wasm/index.js';
import type { Task, TaskKind, WorkerSetup } from '../../workers/messages.js';
import { createStepEnv, type LocalStep } from './local-step.js';
import { createScratch, type Scratch } from './scratch.js';
import type { SharedState, TrainSettings } from './shared-state.js';

export interface TaskContext {
  state: SharedState;
  settings: TrainSettings;
  backend: string;
  kernel: StepKernel;
  optimizer: FlatOptimizer;
  /** per-thread scratch for row operations and aggregation rules */
  scratch: Scratch;
  /** SIMD exchange kernels on the shared wasm memory holding the parameters, when available */
  exchange?: ExchangeKernels;
  /** the local step: its pipeline of stages and the buffers it reuses */
  step: LocalStep;
}

/** A task kind's handler: runs the task over the shared state and returns its value (usually how many units it did). */
export type TaskHandler<K extends TaskKind> = (ctx: TaskContext, task: Extract<Task, { kind: K }>) => number;

/** Some task kinds' handlers (a feature's tasks, or a group of the host's). */
export type TaskHandlers<K extends TaskKind> = { [P in K]: TaskHandler<P> };

/** Thrown inside handlers so the failing peer and round travel back as data. */
export class PeerFailure extends Error {
  constructor(message: string, readonly peer: number, readonly round: number, readonly diverged = false) {
    super(message);
  }
}

export async function createTaskContext(setup: WorkerSetup): Promise<TaskContext> {
  const { state, settings } = setup;
  // the same kinds as the main thread before anything names one (inline: already loaded, a no-op)
  await loadPlugins(settings.plugins);
  // tfjs is imported, and its backend chosen, only when the kernel runs on it
  const kernel = await createKernel(settings.model, settings.kernelPath, { backend: settings.backend });
  const optimizer = createOptimizer(settings.optimizer, settings.lr);
  const scratch = createScratch();
  const pipeline = createPipeline(settings, {
    dim: state.dim, features: state.features, classes: settings.classes, peers: state.peers,
    batchSize: settings.batchSize, localSteps: settings.localSteps, seed: settings.seed,
  });
  return {
    state,
    settings,
    backend: kernelBackend(kernel),
    kernel,
    optimizer,
    scratch,
    exchange: state.memory ? instantiateExchange(state.memory) : undefined,
    step: {
      state, settings, kernel, optimizer, pipeline, scratch,
      env: createStepEnv(state, settings, kernel, scratch),
      xBuf: new Float32Array(settings.batchSize * state.features),
      yBuf: new Uint8Array(settings.batchSize),
    },
  };
}
