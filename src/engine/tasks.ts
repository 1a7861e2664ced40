// Task handlers over the shared state. The same code runs inside pool workers and inline
// (--workers 0), so results cannot depend on where a task ran.
import { loadPlugins } from '../config/plugins.js';
import { guarded, pluginSource, PluginFault } from './plugin-guard.js';
import { threadId } from 'node:worker_threads';
import { Rng } from '../rng.js';
import { mixRows } from '../topology/mix-rows.js';
import { createKernel, kernelBackend, type StepKernel } from '../model/kernel.js';
import { createOptimizer } from '../model/optimizer.js';
import type { BufferIndex, Task, TaskResult, WorkerSetup } from '../../workers/messages.js';
import type { SharedState, TrainSettings } from './shared-state.js';
import { COLUMN_BLOCK } from './shared-state.js';
import { instantiateExchange, mixRowsSimd, squaredDistanceSimd, windowMeanSimd, type ExchangeKernels } from '../wasm/index.js';
import { squaredDistance } from '../aggregation/distance.js';
import { windowMeanRows, type WindowScratch } from '../aggregation/order-statistics.js';
import { aggregate, aggregationRegistry, type AggregationEnv } from '../aggregation/index.js';
import { protocolOf, protocolRegistry, isSyncDescriptor, type RowEnv } from '../protocol/index.js';
import { createScratch, type Scratch } from './scratch.js';
import { attackRegistry, craftLinks } from '../adversary/index.js';
import { linkSignals, probeLoss } from '../plasticity/signal.js';
import { noisyGradient, poissonSample, samplingRate } from '../privacy/dp-sgd.js';
import { membershipAuc } from '../privacy/mia.js';

export interface TaskContext {
  state: SharedState;
  settings: TrainSettings;
  backend: string;
  kernel: StepKernel;
  optimizer: ReturnType<typeof createOptimizer>;
  xBuf: Float32Array;
  yBuf: Uint8Array;
  grad: Float32Array;
  /** per-thread scratch for row operations and aggregation rules */
  scratch: Scratch;
  /** SIMD exchange kernels on the shared wasm memory holding the parameters, when available */
  exchange?: ExchangeKernels;
}

export async function createTaskContext(setup: WorkerSetup): Promise<TaskContext> {
  const { state, settings } = setup;
  // the same kinds as the main thread before anything names one (inline: already loaded, a no-op)
  await loadPlugins(settings.plugins);
  // tfjs is imported, and its backend chosen, only when the kernel runs on it
  const kernel = await createKernel(settings.model, settings.kernelPath, { backend: settings.backend });
  return {
    state,
    settings,
    backend: kernelBackend(kernel),
    kernel,
    optimizer: createOptimizer(settings.optimizer, settings.lr),
    xBuf: new Float32Array(settings.batchSize * state.features),
    yBuf: new Uint8Array(settings.batchSize),
    grad: new Float32Array(state.dim),
    scratch: createScratch(),
    exchange: state.memory ? instantiateExchange(state.memory) : undefined,
  };
}

/** The kernel's own name where it has one (the fast path may be SIMD or its tfjs fallback). */
function kernelName(kernel: StepKernel, path: string): string {
  return (kernel as { kind?: string }).kind ?? path;
}

/** Thrown inside handlers so the failing peer and round travel back as data. */
class PeerFailure extends Error {
  constructor(message: string, readonly peer: number, readonly round: number, readonly diverged = false) {
    super(message);
  }
}

/** A local step whose loss is not a finite number: the run diverged. */
class NonFiniteLoss extends Error {}

export function runTask(ctx: TaskContext, task: Task): TaskResult {
  const t0 = performance.now();
  try {
    const value = dispatch(ctx, task);
    return { ok: true, kind: task.kind, value, busyMs: performance.now() - t0, backend: ctx.backend, kernel: kernelName(ctx.kernel, ctx.settings.kernelPath), threadId };
  } catch (e) {
    const err = e as Error;
    return {
      ok: false,
      kind: task.kind,
      message: err?.message ?? String(e),
      stack: err?.stack,
      peer: e instanceof PeerFailure || e instanceof PluginFault ? e.peer : undefined,
      round: e instanceof PeerFailure || e instanceof PluginFault ? e.round : 'round' in task ? task.round : undefined,
      diverged: e instanceof PeerFailure && e.diverged ? true : undefined,
      threadId,
    };
  }
}

function dispatch(ctx: TaskContext, task: Task): number {
  const s = ctx.state;
  switch (task.kind) {
    case 'train':
      for (const p of task.peers) {
        try {
          trainPeer(ctx, s.params[task.src], p, task.round);
        } catch (e) {
          throw new PeerFailure(`training failed: ${(e as Error)?.message ?? e}`, p, task.round, e instanceof NonFiniteLoss);
        }
      }
      return task.peers.length;
    case 'mix': {
      const src = (task.ext ? s.paramsExt : s.params)[task.src];
      const dst = s.params[1 - task.src];
      const env = aggregationEnv(ctx);
      const plugin = pluginSource(aggregationRegistry, task.rule.kind);
      if (!plugin) aggregate(env, task.rule, task.w, src, dst, task.rowStart, task.rowEnd);
      else {
        const rows = (i: number) => dst.subarray(i * s.dim, (i + 1) * s.dim);
        guarded(plugin, `aggregation '${task.rule.kind}'`, task.round, task.rowStart, task.rowEnd, (a, b) => aggregate(env, task.rule, task.w, src, dst, a, b), rows);
      }
      return task.rowEnd - task.rowStart;
    }
    case 'craft': {
      const { seed, adversaries: plan } = ctx.settings;
      if (!plan) throw new Error('craft: this run has no adversaries');
      const env = { peers: s.peers, dim: s.dim, round: task.round, seed, x: s.paramsExt[task.src], scratch64: (name: string, n: number) => ctx.scratch.f64(name, n) };
      const plugin = pluginSource(attackRegistry, plan.attack.kind);
      if (!plugin) craftLinks(plan, env, task.linkStart, task.linkEnd);
      else {
        const out = (e: number) => env.x.subarray((s.peers + e) * s.dim, (s.peers + e + 1) * s.dim);
        guarded(plugin, `attack '${plan.attack.kind}'`, task.round, task.linkStart, task.linkEnd, (a, b) => craftLinks(plan, env, a, b), out, (e) => plan.links[2 * e]);
      }
      return task.linkEnd - task.linkStart;
    }
    case 'rows': {
      const d = protocolOf(task.protocol);
      const op = isSyncDescriptor(d) ? d.rowOps?.[task.op] : undefined;
      if (!op) throw new Error(`protocol ${task.protocol} has no row operation '${task.op}'`);
      const env = rowEnv(ctx, task.src, task.round);
      const plugin = pluginSource(protocolRegistry, task.protocol);
      if (!plugin) op(env, task.args, task.rowStart, task.rowEnd);
      else guarded(plugin, `protocol '${task.protocol}' row operation '${task.op}'`, task.round, task.rowStart, task.rowEnd, (a, b) => op(env, task.args, a, b), (i) => env.x.subarray(i * s.dim, (i + 1) * s.dim));
      return task.rowEnd - task.rowStart;
    }
    case 'colStats':
      // one result per fixed block, summed by the engine in block order: the same bits however blocks are grouped into tasks
      for (let c = task.colStart; c < task.colEnd; c += COLUMN_BLOCK) {
        s.blockStats[c / COLUMN_BLOCK] = columnStats(ctx, s.params[task.src], c, Math.min(task.colEnd, c + COLUMN_BLOCK), task.peers);
      }
      return task.colEnd - task.colStart;
    case 'colMean':
      return columnMean(s, s.params[task.src], task.colStart, task.colEnd, task.peers);
    case 'distance':
      distances(s, s.params[task.src], task.rowStart, task.rowEnd);
      return task.rowEnd - task.rowStart;
    case 'broadcastMean': {
      // meanF32 holds the float64 mean rounded once, exactly what an element-wise copy would store
      const dst = s.params[task.dst];
      for (let i = task.rowStart; i < task.rowEnd; i++) dst.set(s.meanF32, i * s.dim);
      return task.rowEnd - task.rowStart;
    }
    case 'eval':
      for (const p of task.peers) {
        try {
          const row = s.params[task.src].subarray(p * s.dim, (p + 1) * s.dim);
          // with clusters, each peer is tested on its own cluster's block of the test set
          const at = s.cluster ? s.cluster[p] * task.testN : 0;
          const r = ctx.kernel.evaluate(row, s.testX.subarray(at * s.features), s.testY.subarray(at), task.testN);
          s.evalOut[p * 3] = r.correct;
          s.evalOut[p * 3 + 1] = r.lossSum;
          s.evalOut[p * 3 + 2] = task.testN;
        } catch (e) {
          throw new PeerFailure(`evaluation failed: ${(e as Error)?.message ?? e}`, p, task.round);
        }
      }
      return task.peers.length;
    case 'evalMean': {
      const r = ctx.kernel.evaluate(s.meanF32, s.testX, s.testY, task.testN);
      s.meanEvalOut[0] = r.correct;
      s.meanEvalOut[1] = r.lossSum;
      return 1;
    }
    case 'mia':
      try {
        return membershipAuc(ctx.kernel, s, ctx.scratch, s.params[task.src].subarray(task.peer * s.dim, (task.peer + 1) * s.dim), task.peer, task.testN, ctx.settings.seed);
      } catch (e) {
        throw new PeerFailure(`membership attack failed: ${(e as Error)?.message ?? e}`, task.peer, task.round);
      }
    case 'linkSignal':
      return linkSignals(ctx.kernel, s.plastic!, s.params[task.src], s.dim, s.features, task.op, task.rowStart, task.rowEnd);
    case 'probeLoss':
      return probeLoss(ctx.kernel, s.plastic!, s.features, task.peer, task.model ?? s.params[task.src].subarray(task.peer * s.dim, (task.peer + 1) * s.dim));
    case 'probe':
      return 0;
  }
}

function aggregationEnv(ctx: TaskContext): AggregationEnv {
  const s = ctx.state;
  const scratch: WindowScratch = { sorted: (k) => ctx.scratch.f32('sorted', k), bases: (k) => ctx.scratch.f64('bases', k) };
  return {
    dim: s.dim,
    weightedMean(w, src, dst, r0, r1) {
      if (ctx.exchange) mixRowsSimd(ctx.exchange, w, src, dst, s.dim, r0, r1);
      else mixRows(w, src, dst, s.dim, r0, r1);
    },
    windowMean(w, src, dst, r0, r1, window) {
      if (ctx.exchange) windowMeanSimd(ctx.exchange, w, src, dst, s.dim, r0, r1, window, scratch);
      else windowMeanRows(w, src, dst, s.dim, r0, r1, window, scratch);
    },
    squaredDistance: (src, a, b, len) => (ctx.exchange ? squaredDistanceSimd(ctx.exchange, src, a, b, len) : squaredDistance(src, a, b, len)),
    scratch: (name, n) => ctx.scratch.f32(name, n),
    scratch64: (name, n) => ctx.scratch.f64(name, n),
  };
}

function rowEnv(ctx: TaskContext, src: BufferIndex, round: number): RowEnv {
  const s = ctx.state;
  return {
    peers: s.peers,
    dim: s.dim,
    round,
    seed: ctx.settings.seed,
    x: s.params[src],
    buffer(name) {
      const b = s.buffers[name];
      if (!b) throw new Error(`no per-peer buffer '${name}': declare it in the protocol's needs.buffers`);
      return b;
    },
    scratch: (name, n) => ctx.scratch.f32(name, n),
    scratch64: (name, n) => ctx.scratch.f64(name, n),
    scratchU8: (name, n) => ctx.scratch.u8(name, n),
  };
}

/**
 * `localSteps` optimizer steps of peer p on minibatches drawn epoch by epoch from its own shard
 * (or, under privacy.sampling poisson, each example with probability batchSize / shard size);
 * under privacy.dp, DP-SGD steps (src/privacy/dp-sgd.ts). A label-flipping adversary trains on
 * y -> classes - 1 - y from the attack's start round.
 */
function trainPeer(ctx: TaskContext, params: Float32Array, p: number, round: number): void {
  const s = ctx.state;
  const { dim, features, optSlots } = s;
  const { batchSize: B, localSteps, privacy, lr } = ctx.settings;
  const row = params.subarray(p * dim, (p + 1) * dim);
  const opt = s.optState.subarray(p * optSlots * dim, (p + 1) * optSlots * dim);
  const rng = new Rng(s.rngState, p * 4);
  const start = s.partOffsets[p];
  const count = s.partOffsets[p + 1] - start;
  const { grad } = ctx;
  // plain SGD runs fused inside kernels that offer it (the gradient never leaves the kernel)
  const fusedSgd = !privacy && ctx.settings.optimizer.kind === 'sgd' ? ctx.kernel.sgdStep : undefined;
  const plan = ctx.settings.adversaries;
  const flipTo = plan && plan.mask[p] && plan.attack.kind === 'label-flip' && round >= plan.start ? ctx.settings.classes - 1 : -1;
  const poisson = privacy?.sampling === 'poisson';
  // a Poisson batch may hold up to the whole shard
  const picked = poisson ? ctx.scratch.i32('picked', count) : s.order;
  const xBuf = poisson ? ctx.scratch.f32('batchX', count * features) : ctx.xBuf;
  const yBuf = poisson ? ctx.scratch.u8('batchY', count) : ctx.yBuf;
  for (let step = 0; step < localSteps; step++) {
    let b = B;
    let c0 = 0;
    if (poisson) {
      b = poissonSample(rng, s.order, start, count, samplingRate(B, count), picked);
    } else {
      if (s.cursor[p] + B > count) {
        rng.shuffle(s.order, start, start + count);
        s.cursor[p] = 0;
      }
      c0 = start + s.cursor[p];
      s.cursor[p] += B;
    }
    for (let k = 0; k < b; k++) {
      const ex = picked[c0 + k];
      xBuf.set(s.trainX.subarray(ex * features, (ex + 1) * features), k * features);
      yBuf[k] = flipTo < 0 ? s.trainY[ex] : flipTo - s.trainY[ex];
    }
    let loss: number;
    if (fusedSgd && lr !== 0) {
      loss = fusedSgd.call(ctx.kernel, row, xBuf, yBuf, B, lr);
    } else {
      loss = privacy
        ? noisyGradient(privacy, ctx.kernel, rng, row, xBuf, yBuf, b, features, B, grad, ctx.scratch.f32('exampleGrad', dim))
        : ctx.kernel.gradient(row, xBuf, yBuf, B, grad);
    }
    s.stepCount[p] += 1;
    if (!fusedSgd && lr !== 0 && Number.isFinite(loss)) ctx.optimizer.apply(row, grad, opt, s.stepCount[p]);
    if (!Number.isFinite(loss)) throw new NonFiniteLoss(`the training loss is ${loss}`);
  }
}

function columnMean(s: SharedState, params: Float32Array, c0: number, c1: number, peers?: Int32Array | number[]): number {
  const { dim, mean } = s;
  const width = c1 - c0;
  const acc = new Float64Array(width);
  const n = peers ? peers.length : s.peers;
  for (let k = 0; k < n; k++) {
    const i = peers ? peers[k] : k;
    const o = i * dim + c0;
    for (let c = 0; c < width; c++) acc[c] += params[o + c];
  }
  let sq = 0;
  for (let c = 0; c < width; c++) {
    const m = acc[c] / n;
    mean[c0 + c] = m;
    s.meanF32[c0 + c] = m;
    sq += m * m;
  }
  return sq;
}

/**
 * Mean and total squared deviation over all peers (or the listed ones) for columns [c0,c1),
 * two-pass per column (exact for tiny consensus distances, unlike |x|^2 - |mean|^2). Vector part
 * in SIMD when available (all peers); the result for a block never depends on which worker computed it.
 */
function columnStats(ctx: TaskContext, params: Float32Array, c0: number, c1: number, list?: Int32Array | number[]): number {
  const s = ctx.state;
  const { dim, mean } = s;
  if (list) return subsetStats(s, params, c0, c1, list);
  const peers = s.peers;
  let vecEnd = c0;
  let total = 0;
  const k = ctx.exchange;
  if (k && params.buffer === (s.memory!.buffer as unknown)) {
    vecEnd = c0 + ((c1 - c0) & ~15);
    const slot = (c0 / COLUMN_BLOCK) * 4;
    k.colStats(params.byteOffset + c0 * 4, peers, dim * 4, (vecEnd - c0) * 4, 1 / peers, s.meanF32.byteOffset + c0 * 4, s.statsOut.byteOffset + slot * 4);
    const o = s.statsOut;
    total = o[slot] + o[slot + 1] + o[slot + 2] + o[slot + 3];
    for (let c = c0; c < vecEnd; c++) mean[c] = s.meanF32[c];
  }
  for (let c = vecEnd; c < c1; c++) {
    let m = 0;
    for (let i = 0; i < peers; i++) m += params[i * dim + c];
    m /= peers;
    let d2 = 0;
    for (let i = 0; i < peers; i++) {
      const d = params[i * dim + c] - m;
      d2 += d * d;
    }
    mean[c] = m;
    s.meanF32[c] = m; // the SIMD part fills meanF32 itself: keep it the whole mean
    total += d2;
  }
  return total;
}

/** columnStats over the listed peers only, in plain JS (float64 sums per column). */
function subsetStats(s: SharedState, params: Float32Array, c0: number, c1: number, list: Int32Array | number[]): number {
  const { dim, mean } = s;
  let total = 0;
  for (let c = c0; c < c1; c++) {
    let m = 0;
    for (let k = 0; k < list.length; k++) m += params[list[k] * dim + c];
    m /= list.length;
    let d2 = 0;
    for (let k = 0; k < list.length; k++) {
      const d = params[list[k] * dim + c] - m;
      d2 += d * d;
    }
    mean[c] = m;
    s.meanF32[c] = m;
    total += d2;
  }
  return total;
}

function distances(s: SharedState, params: Float32Array, r0: number, r1: number): void {
  const { dim, mean } = s;
  for (let i = r0; i < r1; i++) {
    let acc = 0;
    const o = i * dim;
    for (let c = 0; c < dim; c++) {
      const d = params[o + c] - mean[c];
      acc += d * d;
    }
    s.distance[i] = acc;
  }
}
