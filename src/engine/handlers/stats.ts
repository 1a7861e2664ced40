// Column and row statistics over the shared rows: the network mean ('colMean'), the deviation from
// it per column block ('colStats'), each row's distance to it ('distance'), and the mean copied to rows.
import type { TaskContext, TaskHandlers } from '../task-context.js';
import type { SharedState } from '../shared-state.js';
import { COLUMN_BLOCK } from '../shared-state.js';

export const statsTasks: TaskHandlers<'colStats' | 'colMean' | 'distance' | 'broadcastMean'> = {
  colStats(ctx, task) {
    const s = ctx.state;
    // one result per fixed block, summed by the engine in block order: the same bits however blocks are grouped into tasks
    for (let c = task.colStart; c < task.colEnd; c += COLUMN_BLOCK) {
      s.blockStats[c / COLUMN_BLOCK] = columnStats(ctx, s.params[task.src], c, Math.min(task.colEnd, c + COLUMN_BLOCK), task.peers);
    }
    return task.colEnd - task.colStart;
  },
  colMean: (ctx, task) => columnMean(ctx.state, ctx.state.params[task.src], task.colStart, task.colEnd, task.peers),
  distance(ctx, task) {
    distances(ctx.state, ctx.state.params[task.src], task.rowStart, task.rowEnd);
    return task.rowEnd - task.rowStart;
  },
  broadcastMean(ctx, task) {
    const s = ctx.state;
    // meanF32 holds the float64 mean rounded once, exactly what an element-wise copy would store
    const dst = s.params[task.dst];
    for (let i = task.rowStart; i < task.rowEnd; i++) dst.set(s.meanF32, i * s.dim);
    return task.rowEnd - task.rowStart;
  },
};

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
