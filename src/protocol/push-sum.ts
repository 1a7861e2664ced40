// Push-sum / Stochastic Gradient Push (Kempe et al. 2003; Assran et al. 2019). Peer j keeps the
// numerator x_j and a scalar weight w_j and pushes the shares P_ij x_j, P_ij w_j along its
// out-edges (P column-stochastic), so sum_j x_j and sum_j w_j are conserved on any strongly
// connected digraph and z_i = x_i / w_i converges to the true average.
// The parameter rows hold the de-biased z (what is trained and evaluated); one push step is
//   z_i' = sum_j P_ij w_j z_j / w_i',  w_i' = sum_j P_ij w_j,
// a row-stochastic mix with weights P_ij w_j / w_i', so it reuses the mixing kernel as is.
// The local step is taken at z_i (x_i -= gamma w_i grad f(z_i) in numerator terms).
// debias: false drops the weights (each peer averages what it receives): the biased baseline.
import { z } from 'zod';
import type { MixingMatrix } from '../types.js';
import { sinksAndReach } from './graph-issues.js';
import { defineProtocol, trafficOf } from './types.js';

/** A push-sum weight travels with every message as a float64. */
export const WEIGHT_BYTES = 8;

export const pushSum = defineProtocol({
  kind: 'push-sum',
  schema: z.object({
    kind: z.literal('push-sum'),
    /** false: receivers average what they get, ignoring push-sum weights (the biased baseline) */
    debias: z.boolean().default(true),
  }).strict(),
  summary: 'push-sum / SGP: exact averaging on directed graphs (column-stochastic mixing)',
  needs: { time: 'sync', directed: true, timeVarying: true, aggregation: false, scalars: ['weight'], live: true },
  liveRenormalises: true,
  // live: the weights travel with the rows and each receiver renormalises over the mass that came
  liveMass: ({ debias }) => (debias ? 'weight' : undefined),
  messageBytes: ({ debias }, dim) => dim * 4 + (debias ? WEIGHT_BYTES : 0),
  graphIssues: (_spec, t) => sinksAndReach(t, 'push-sum'),
  create: ({ debias }, ctx) => ({
    async round(ops, round) {
      const g = ctx.schedule.at(round);
      await ops.train(round);
      const w = ops.scalars('weight');
      const effective = reweight(g.mixing, debias ? w : undefined);
      if (debias) pushWeights(g.mixing, w);
      await ops.mix(round, effective);
      return trafficOf(g.outDegrees, ctx.messageBytes);
    },
  }),
});

/** Row i of the result is P_ij w_j / sum_j P_ij w_j (w = 1 if absent: plain row normalisation). */
export function reweight(P: MixingMatrix, w: Float64Array | undefined): MixingMatrix {
  const weights = new Float64Array(P.weights.length);
  for (let i = 0; i < P.n; i++) {
    let sum = 0;
    for (let k = P.offsets[i]; k < P.offsets[i + 1]; k++) {
      weights[k] = P.weights[k] * (w ? w[P.cols[k]] : 1);
      sum += weights[k];
    }
    for (let k = P.offsets[i]; k < P.offsets[i + 1]; k++) weights[k] /= sum;
  }
  return { n: P.n, offsets: P.offsets, cols: P.cols, weights };
}

/** w <- P w, in place. */
export function pushWeights(P: MixingMatrix, w: Float64Array): void {
  const next = new Float64Array(P.n);
  for (let i = 0; i < P.n; i++) {
    let s = 0;
    for (let k = P.offsets[i]; k < P.offsets[i + 1]; k++) s += P.weights[k] * w[P.cols[k]];
    next[i] = s;
  }
  w.set(next);
}
