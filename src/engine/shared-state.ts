// All big state of a run in SharedArrayBuffers, owned by the engine and shared with workers
// by reference: peer parameters (two buffers, mixing reads one and writes the other),
// optimizer state, per-peer sampling state, the dataset and the partition.
import type { PrivacySpec } from '../privacy/schema.js';
import type { ModelSpec } from '../types.js';
import type { OptimizerConfig } from '../model/optimizer-schema.js';
import { createSharedWasmMemory } from '../wasm/index.js';
import type { AdversaryPlan } from '../adversary/index.js';
import type { PlasticShared } from '../plasticity/types.js';
import type { StageSpec } from '../step/index.js';

export interface SharedStateInit {
  peers: number;
  dim: number;
  optSlots: number;
  features: number;
  trainSize: number;
  testSize: number;
  /** named per-peer rows (peers x dim) the protocol keeps across rounds */
  buffers?: readonly string[];
  /** named per-peer scalars the protocol keeps (1 for every peer at the start) */
  scalars?: readonly string[];
  /** rows after the peers' rows in each parameter buffer: one per crafted adversarial link */
  extraRows?: number;
  /** false forces the plain-JS exchange (testing; also what happens when params exceed 4 GiB) */
  simdExchange?: boolean;
}

/** Plain object of typed-array views; structured-clones to workers without copying the data. */
export interface SharedState {
  peers: number;
  dim: number;
  optSlots: number;
  features: number;
  /** params[0] and params[1]: the current buffer index travels in each task. */
  params: [Float32Array, Float32Array];
  /** the same buffers with the crafted links' rows after the peers' ((peers + extra) x dim): what a gather under attack reads */
  paramsExt: [Float32Array, Float32Array];
  optState: Float32Array; // peers * optSlots * dim
  stepCount: Int32Array; // per peer, for Adam bias correction
  rngState: Uint32Array; // peers * 4, minibatch sampling streams
  cursor: Int32Array; // per peer position in its shuffled order
  order: Int32Array; // per peer a copy of its partition indices, reshuffled each epoch
  partOffsets: Int32Array; // peers + 1
  trainX: Float32Array;
  trainY: Uint8Array;
  testX: Float32Array;
  /** one block of the test examples per cluster (data.clusters), else one */
  testY: Uint8Array;
  /** with data.clusters: each peer's cluster, whose test block it is evaluated on */
  cluster?: Int32Array;
  /** with plasticity that probes: the round's plan, the probes' results and the probe batches */
  plastic?: PlasticShared;
  /** network average row (float64) */
  mean: Float64Array;
  /** per peer results of the last evaluation: correct, lossSum, examples */
  evalOut: Float64Array;
  /** the average model's evaluation (eval.averageModel): correct, lossSum */
  meanEvalOut: Float64Array;
  /** per peer squared distance to the average (filled on evaluation rounds) */
  distance: Float64Array;
  /** The shared WebAssembly memory holding params (and meanF32, statsOut) when SIMD kernels are available. */
  memory?: WebAssembly.Memory;
  /** float32 copy of the network mean, inside `memory` (SIMD path) */
  meanF32: Float32Array;
  /** 4 floats of partial results per column block, inside `memory` (SIMD path) */
  statsOut: Float32Array;
  /** per column block of COLUMN_BLOCK columns: sum over peers and columns of (x - mean)^2 */
  blockStats: Float64Array;
  /** per-peer rows a protocol declared (needs.buffers), by name: peers x dim each */
  buffers: Record<string, Float32Array>;
  /** per-peer scalars a protocol declared (needs.scalars), by name; main thread only */
  scalars: Record<string, Float64Array>;
}

export function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);
}
export function sharedFloat64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8), 0, n);
}
export function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);
}
export function sharedUint32(n: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);
}
export function sharedUint8(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(Math.max(1, n)), 0, n);
}
/** Copies a typed array into shared memory (once, at set-up). */
export function toShared<T extends Float32Array | Uint8Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer, o: number, n: number) => T;
  const out = new Ctor(new SharedArrayBuffer(Math.max(1, a.byteLength)), 0, a.length);
  out.set(a as never);
  return out;
}

/** Column blocks of a fixed width, so float64 reductions add up in the same order for any worker count. */
export const COLUMN_BLOCK = 4096;

/** params[0], params[1], meanF32 and statsOut in one shared wasm memory when possible, else plain SABs. */
function allocateParams(peers: number, dim: number, extra: number, simd: boolean): Pick<SharedState, 'params' | 'paramsExt' | 'memory' | 'meanF32' | 'statsOut'> {
  const rowBytes = (peers + extra) * dim * 4;
  const blocks = Math.ceil(dim / COLUMN_BLOCK);
  const memory = simd ? createSharedWasmMemory(2 * rowBytes + dim * 4 + blocks * 16 + 64) : undefined;
  const views = (b: SharedArrayBuffer, at: number): [Float32Array, Float32Array] => [new Float32Array(b, at, peers * dim), new Float32Array(b, at, (peers + extra) * dim)];
  if (!memory) {
    const [p0, e0] = views(new SharedArrayBuffer(Math.max(4, rowBytes)), 0);
    const [p1, e1] = views(new SharedArrayBuffer(Math.max(4, rowBytes)), 0);
    return { params: [p0, p1], paramsExt: [e0, e1], meanF32: sharedFloat32(dim), statsOut: sharedFloat32(blocks * 4) };
  }
  const b = memory.buffer as unknown as SharedArrayBuffer;
  const meanAt = 2 * rowBytes;
  const statsAt = meanAt + Math.ceil((dim * 4) / 16) * 16;
  const [p0, e0] = views(b, 0);
  const [p1, e1] = views(b, rowBytes);
  return {
    memory,
    params: [p0, p1],
    paramsExt: [e0, e1],
    meanF32: new Float32Array(b, meanAt, dim),
    statsOut: new Float32Array(b, statsAt, blocks * 4),
  };
}

export function createSharedState(init: SharedStateInit): Omit<SharedState, 'order' | 'partOffsets' | 'trainX' | 'trainY' | 'testX' | 'testY'> {
  const { peers, dim, optSlots } = init;
  return {
    peers,
    dim,
    optSlots,
    features: init.features,
    ...allocateParams(peers, dim, init.extraRows ?? 0, init.simdExchange ?? true),
    blockStats: sharedFloat64(Math.ceil(dim / COLUMN_BLOCK)),
    optState: sharedFloat32(peers * optSlots * dim),
    stepCount: sharedInt32(peers),
    rngState: sharedUint32(peers * 4),
    cursor: sharedInt32(peers),
    mean: sharedFloat64(dim),
    evalOut: sharedFloat64(peers * 3),
    meanEvalOut: sharedFloat64(2),
    distance: sharedFloat64(peers),
    buffers: Object.fromEntries((init.buffers ?? []).map((name) => [name, sharedFloat32(peers * dim)])),
    scalars: Object.fromEntries((init.scalars ?? []).map((name) => [name, new Float64Array(peers).fill(1)])),
  };
}

export interface TrainSettings {
  model: ModelSpec;
  kernelPath: 'fast' | 'tfjs' | 'layers';
  optimizer: OptimizerConfig;
  lr: number;
  batchSize: number;
  localSteps: number;
  backend: 'auto' | 'wasm' | 'cpu' | 'node';
  /** the run's seed (row operations derive per-peer streams from it) */
  seed: number;
  /** hostile peers, their attack and crafted links (absent: every peer is honest) */
  adversaries?: AdversaryPlan;
  /** classes of the dataset (label flipping maps y to classes - 1 - y) */
  classes: number;
  /** DP-SGD on every peer (absent: plain steps) */
  privacy?: PrivacySpec;
  /** the stages train.stages turns on in every peer's local step (src/step/) */
  stages: readonly StageSpec[];
  /** plug-in files (absolute) each worker loads before its first task, as the main thread did */
  plugins: readonly string[];
}
