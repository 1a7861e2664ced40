// The typed task protocol between the engine and its compute workers (one file, like piscina's types).
// Big data never travels in a message: tasks name rows/columns of the shared buffers.
import type { MixingMatrix } from '../src/types.js';
import type { SharedState, TrainSettings } from '../src/engine/shared-state.js';
import type { CompressionSpec } from '../src/protocol/compression/index.js';

export type BufferIndex = 0 | 1;

/** Given once per worker (piscina workerData) or once inline. */
export interface WorkerSetup {
  state: SharedState;
  settings: TrainSettings;
}

export type Task =
  /** Local steps for each listed peer, in place in params[src]. */
  | { kind: 'train'; round: number; src: BufferIndex; peers: Int32Array | number[] }
  /** params[1-src] rows [rowStart,rowEnd) = W · params[src]. */
  | { kind: 'mix'; round: number; src: BufferIndex; rowStart: number; rowEnd: number; w: MixingMatrix }
  /** mean[c] for c in [colStart,colEnd) over the listed peers (all if absent); returns the partial sum of mean[c]^2. */
  | { kind: 'colMean'; src: BufferIndex; colStart: number; colEnd: number; peers?: Int32Array | number[] }
  /** mean[c] over all peers for c in [colStart,colEnd) (whole COLUMN_BLOCKs); blockStats[b] = sum_i sum_c in b (x_ic - mean_c)^2. */
  | { kind: 'colStats'; src: BufferIndex; colStart: number; colEnd: number }
  /** rowSq[i] = |row i|^2 for rows in range. */
  | { kind: 'rowSq'; src: BufferIndex; rowStart: number; rowEnd: number }
  /** distance[i] = |row i - mean|^2 for rows in range. */
  | { kind: 'distance'; src: BufferIndex; rowStart: number; rowEnd: number }
  /** Copies the mean (as float32) into rows [rowStart,rowEnd) of params[dst]. */
  | { kind: 'broadcastMean'; dst: BufferIndex; rowStart: number; rowEnd: number }
  /** aux rows [rowStart,rowEnd) += C(params[src] row - aux row); C seeded by (seed, 'compress', row, round). */
  | { kind: 'compressAux'; round: number; src: BufferIndex; rowStart: number; rowEnd: number; spec: CompressionSpec; seed: number }
  /** params[src] rows [rowStart,rowEnd) += gamma * ((W aux) row - aux row), in place. */
  | { kind: 'consensusStep'; round: number; src: BufferIndex; rowStart: number; rowEnd: number; w: MixingMatrix; gamma: number }
  /** Test accuracy/loss of the listed peers on the first testN test examples, into evalOut. */
  | { kind: 'eval'; round: number; src: BufferIndex; peers: Int32Array | number[]; testN: number };

export type TaskKind = Task['kind'];

export type TaskResult =
  | { ok: true; kind: TaskKind; value: number; busyMs: number; backend: string; kernel: string; threadId: number }
  | { ok: false; kind: TaskKind; message: string; stack?: string; peer?: number; round?: number; threadId: number };
