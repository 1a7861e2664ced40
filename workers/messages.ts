// The typed task protocol between the engine and its compute workers (one file, like piscina's types).
// Big data never travels in a message: tasks name rows/columns of the shared buffers. The set is
// general: protocols add behaviour through their row operations ('rows'), never new task kinds.
import type { MixingMatrix } from '../src/types.js';
import type { SharedState, TrainSettings } from '../src/engine/shared-state.js';
import type { AggregationSpec } from '../src/aggregation/index.js';
import type { SignalOp } from '../src/plasticity/signal.js';

export type BufferIndex = 0 | 1;

/** Given once per worker (piscina workerData) or once inline. */
export interface WorkerSetup {
  state: SharedState;
  settings: TrainSettings;
}

export type Task =
  /** Local steps for each listed peer, in place in params[src]. */
  | { kind: 'train'; round: number; src: BufferIndex; peers: Int32Array | number[] }
  /** params[1-src] rows [rowStart,rowEnd) = each row's aggregation (rule) of the params[src] rows it hears in w. */
  | { kind: 'mix'; round: number; src: BufferIndex; rowStart: number; rowEnd: number; w: MixingMatrix; rule: AggregationSpec; ext?: boolean }
  /** Under attack: rows peers + e of paramsExt[src] = the crafted message of adversarial link e, for e in [linkStart,linkEnd); then a mix with ext reads them. */
  | { kind: 'craft'; round: number; src: BufferIndex; linkStart: number; linkEnd: number }
  /** The protocol's row operation `op` over rows [rowStart,rowEnd) of params[src] (and its buffers). */
  | { kind: 'rows'; round: number; src: BufferIndex; rowStart: number; rowEnd: number; protocol: string; op: string; args: unknown }
  /** mean[c] for c in [colStart,colEnd) over the listed peers (all if absent); returns the partial sum of mean[c]^2. */
  | { kind: 'colMean'; src: BufferIndex; colStart: number; colEnd: number; peers?: Int32Array | number[] }
  /** mean[c] over the listed peers (all if absent) for c in [colStart,colEnd) (whole COLUMN_BLOCKs); blockStats[b] = sum_i sum_c in b (x_ic - mean_c)^2. */
  | { kind: 'colStats'; src: BufferIndex; colStart: number; colEnd: number; peers?: Int32Array | number[] }
  /** distance[i] = |row i - mean|^2 for rows in range. */
  | { kind: 'distance'; src: BufferIndex; rowStart: number; rowEnd: number }
  /** Copies the mean (as float32) into rows [rowStart,rowEnd) of params[dst]. */
  | { kind: 'broadcastMean'; dst: BufferIndex; rowStart: number; rowEnd: number }
  /** Test accuracy/loss of the listed peers on the first testN test examples, into evalOut. */
  | { kind: 'eval'; round: number; src: BufferIndex; peers: Int32Array | number[]; testN: number }
  /** Test correct count and loss sum of the meanF32 row (the average model) on the first testN test examples, into meanEvalOut. */
  | { kind: 'evalMean'; round: number; testN: number }
  /** The loss-threshold membership attack against peer's row of params[src]: the task's value is its AUC. */
  | { kind: 'mia'; round: number; src: BufferIndex; peer: number; testN: number }
  /** Plasticity's probes over receivers [rowStart,rowEnd): src/plasticity/signal.ts. */
  | { kind: 'linkSignal'; round: number; src: BufferIndex; rowStart: number; rowEnd: number; op: SignalOp }
  /** Mean loss of `model` (peer's own row of params[src] when absent) on peer's probe batch (plasticity in async gossip). */
  | { kind: 'probeLoss'; round: number; src: BufferIndex; peer: number; model?: Float32Array }
  /** Nothing: warms a worker and reports its backend and kernel. */
  | { kind: 'probe' };

export type TaskKind = Task['kind'];

export type TaskResult =
  | { ok: true; kind: TaskKind; value: number; busyMs: number; backend: string; kernel: string; threadId: number }
  | { ok: false; kind: TaskKind; message: string; stack?: string; peer?: number; round?: number; diverged?: boolean; threadId: number };
