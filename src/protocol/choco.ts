// CHOCO-SGD (Koloskova, Stich & Jaggi 2019): compressed gossip with error feedback through
// public estimates. Each round, per peer i:
//   x_i <- local step(s);  q_i = C(x_i - xhat_i);  send q_i;  xhat_j += q_j for j in N(i) u {i};
//   x_i <- x_i + gamma * sum_j w_ij (xhat_j - xhat_i).
// Every copy of xhat_j (held by j's neighbours) receives the same q_j, so one shared row per peer
// (the buffer 'xhat') stands for all copies. With C = identity and gamma = 1 this is D-PSGD exactly.
import { z } from 'zod';
import { createRng } from '../rng.js';
import type { MixingMatrix } from '../types.js';
import { compressionSchema, createCompressor, type CompressionSpec } from './compression/index.js';
import { defineProtocol, trafficOf, type RowEnv } from './types.js';

/** xhat_i += C(x_i - xhat_i) for rows [r0, r1); C's randomness from (seed, 'compress', i, round). */
export function compressRows(env: RowEnv, spec: CompressionSpec, r0: number, r1: number): void {
  const { x, dim } = env;
  const xhat = env.buffer('xhat');
  if (spec.kind === 'none') {
    xhat.set(x.subarray(r0 * dim, r1 * dim), r0 * dim);
    return;
  }
  const compressor = createCompressor(spec);
  const diff = env.scratch('diff', dim);
  const q = env.scratch('q', dim);
  const scratch = { f32: env.scratch('compress', dim), mark: env.scratchU8('mark', dim) };
  for (let i = r0; i < r1; i++) {
    const o = i * dim;
    for (let c = 0; c < dim; c++) diff[c] = x[o + c] - xhat[o + c];
    compressor.compress(diff, q, () => createRng(env.seed, 'compress', i, env.round), scratch);
    for (let c = 0; c < dim; c++) xhat[o + c] += q[c];
  }
}

/** x_i += gamma * (sum_j W_ij xhat_j - xhat_i) for rows [r0, r1), accumulated in float64. */
export function consensusRows(env: RowEnv, { w, gamma }: { w: MixingMatrix; gamma: number }, r0: number, r1: number): void {
  const { x, dim } = env;
  const xhat = env.buffer('xhat');
  const acc = env.scratch64('acc', dim);
  for (let i = r0; i < r1; i++) {
    const o = i * dim;
    for (let c = 0; c < dim; c++) acc[c] = -xhat[o + c];
    for (let k = w.offsets[i]; k < w.offsets[i + 1]; k++) {
      const wk = w.weights[k];
      const s = w.cols[k] * dim;
      for (let c = 0; c < dim; c++) acc[c] += wk * xhat[s + c];
    }
    for (let c = 0; c < dim; c++) x[o + c] += gamma * acc[c];
  }
}

export const choco = defineProtocol({
  kind: 'choco',
  schema: z.object({
    kind: z.literal('choco'),
    compression: compressionSchema.default({ kind: 'none' }),
    /** consensus step size */
    gamma: z.number().superRefine((v, ctx) => {
      if (!(v > 0 && v <= 1)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${v} is outside (0, 1]; the consensus step size must be positive and at most 1` });
    }).default(1),
  }).strict(),
  summary: 'CHOCO-SGD: compressed gossip with error feedback (static graphs)',
  // each neighbour's compressed estimate is kept across rounds, which needs a fixed graph
  needs: { time: 'sync', directed: false, timeVarying: false, aggregation: false, buffers: ['xhat'] },
  messageBytes: ({ compression }, dim) => createCompressor(compression).bytes(dim),
  rowOps: { compress: compressRows, consensus: consensusRows },
  create: ({ compression, gamma }, ctx) => {
    const graph = ctx.schedule.at(1);
    return {
      async round(ops, round) {
        await ops.train(round);
        await ops.rows(round, 'compress', compression);
        await ops.rows(round, 'consensus', { w: graph.mixing, gamma });
        return trafficOf(graph.outDegrees, ctx.messageBytes);
      },
    };
  },
});
