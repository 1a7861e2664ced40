// The probes, in workers over row ranges: for each receiver i in [r0, r1), how useful each model
// it received this round is. 'loss': the source model's mean loss on i's held-out probe batch,
// and i's own; 'cosine': the cosine between i's and the source's updates of this round (rows
// now against the rows kept by 'snapshot' before the local steps). Each entry depends on its
// pair only, so no result depends on how rows are split.
import type { StepKernel } from '../model/kernel.js';
import type { PlasticShared } from './types.js';

export type SignalOp = 'snapshot' | 'loss' | 'cosine';

export function linkSignals(kernel: StepKernel, p: PlasticShared, x: Float32Array, dim: number, features: number, op: SignalOp, r0: number, r1: number): number {
  for (let i = r0; i < r1; i++) {
    if (op === 'snapshot') {
      p.prev!.set(x.subarray(i * dim, (i + 1) * dim), i * dim);
      continue;
    }
    const a = p.offsets[i], b = p.offsets[i + 1];
    if (op === 'cosine') {
      for (let e = a; e < b; e++) p.pair[e] = updateCosine(x, p.prev!, dim, i, p.sources[e]);
      continue;
    }
    const loss = (j: number) => probeLoss(kernel, p, features, i, x.subarray(j * dim, (j + 1) * dim));
    p.own[i] = loss(i);
    for (let e = a; e < b; e++) p.pair[e] = loss(p.sources[e]);
  }
  return r1 - r0;
}

/** The mean loss of a model on peer p's probe batch. */
export function probeLoss(kernel: StepKernel, p: PlasticShared, features: number, peer: number, model: Float32Array): number {
  const h = p.perPeer;
  return kernel.evaluate(model, p.probeX.subarray(peer * h * features, (peer + 1) * h * features), p.probeY.subarray(peer * h, (peer + 1) * h), h).lossSum / h;
}

/** cos(x_i - prev_i, x_j - prev_j), summed in float64; 0 when either update is zero. */
function updateCosine(x: Float32Array, prev: Float32Array, dim: number, i: number, j: number): number {
  let dot = 0, ni = 0, nj = 0;
  const oi = i * dim, oj = j * dim;
  for (let c = 0; c < dim; c++) {
    const di = x[oi + c] - prev[oi + c];
    const dj = x[oj + c] - prev[oj + c];
    dot += di * dj;
    ni += di * di;
    nj += dj * dj;
  }
  return ni > 0 && nj > 0 ? dot / Math.sqrt(ni * nj) : 0;
}
