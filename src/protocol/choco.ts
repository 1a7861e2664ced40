// CHOCO-SGD (Koloskova, Stich & Jaggi 2019): compressed gossip with error feedback through
// public estimates. Each round, per peer i:
//   x_i <- local step(s);  q_i = C(x_i - xhat_i);  send q_i;  xhat_j += q_j for j in N(i) u {i};
//   x_i <- x_i + gamma * sum_j w_ij (xhat_j - xhat_i).
// Every copy of xhat_j (held by j's neighbours) receives the same q_j, so one shared row per peer
// (the buffer 'xhat') stands for all copies. With C = identity and gamma = 1 this is D-PSGD exactly.
// Live, each process keeps the copies of its neighbours' rows: q_j arrives in the compressor's
// encoding (x_j itself under the identity, where xhat_j = x_j) and updates them.
import { z } from 'zod';
import { createRng } from '../rng.js';
import type { MixingMatrix } from '../types.js';
import { compressionSchema, createCompressor, DEFAULT_COMPRESSION, isIdentity, type CompressionSpec } from './compression/index.js';
import { defineProtocol, trafficOf, type LiveRowOp, type RowEnv } from './types.js';

/** xhat_i += C(x_i - xhat_i) for rows [r0, r1); C's randomness from (seed, 'compress', i, round). */
export function compressRows(env: RowEnv, spec: CompressionSpec, r0: number, r1: number): void {
  const { x, dim } = env;
  const xhat = env.buffer('xhat');
  if (isIdentity(spec)) {
    xhat.set(x.subarray(r0 * dim, r1 * dim), r0 * dim);
    return;
  }
  const compressor = createCompressor(spec);
  const diff = env.scratch('diff', dim);
  const q = env.scratch('q', dim);
  const scratch = compressionScratch(env);
  for (let i = r0; i < r1; i++) {
    const o = i * dim;
    for (let c = 0; c < dim; c++) diff[c] = x[o + c] - xhat[o + c];
    compressor.compress(diff, q, peerStream(env, i), scratch);
    for (let c = 0; c < dim; c++) xhat[o + c] += q[c];
  }
}

const peerStream = (env: RowEnv, i: number) => () => createRng(env.seed, 'compress', i, env.round);

const compressionScratch = (env: RowEnv) => ({ f32: env.scratch('compress', env.dim), mark: env.scratchU8('mark', env.dim) });

/** Live: compressRows on own peer i, returning q_i as the compressor sends it (x_i's row under the identity). */
function sendCompressed(env: RowEnv, spec: CompressionSpec, i: number): Uint8Array {
  const { x, dim } = env;
  const o = i * dim;
  const xhat = env.buffer('xhat');
  if (isIdentity(spec)) {
    xhat.set(x.subarray(o, o + dim), o);
    return new Uint8Array(x.slice(o, o + dim).buffer);
  }
  const diff = env.scratch('diff', dim);
  const q = env.scratch('q', dim);
  for (let c = 0; c < dim; c++) diff[c] = x[o + c] - xhat[o + c];
  const payload = createCompressor(spec).encode(diff, q, peerStream(env, i), compressionScratch(env));
  for (let c = 0; c < dim; c++) xhat[o + c] += q[c];
  return payload;
}

/** Live: neighbour j's q_j applied to this process's copy of xhat_j (as compressRows updates it). */
function receiveCompressed(env: RowEnv, spec: CompressionSpec, j: number, payload: Uint8Array): void {
  const { dim } = env;
  const o = j * dim;
  const xhat = env.buffer('xhat');
  const q = env.scratch('q', dim);
  if (isIdentity(spec)) {
    if (payload.byteLength !== dim * 4) throw new RangeError(`choco: peer ${j}'s row of ${payload.byteLength} bytes is not ${dim} floats`);
    xhat.set(new Float32Array(new Uint8Array(payload).buffer), o);
    return;
  }
  createCompressor(spec).decode(payload, q, peerStream(env, j), compressionScratch(env));
  for (let c = 0; c < dim; c++) xhat[o + c] += q[c];
}

const liveCompress: LiveRowOp<CompressionSpec> = { publishes: { send: sendCompressed, receive: receiveCompressed } };
const liveConsensus: LiveRowOp<{ w: MixingMatrix; gamma: number }> = { mixing: { of: (args) => args.w, with: (args, w) => ({ ...args, w }) } };

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
    compression: compressionSchema.default(DEFAULT_COMPRESSION),
    /** consensus step size */
    gamma: z.number().superRefine((v, ctx) => {
      if (!(v > 0 && v <= 1)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${v} is outside (0, 1]; the consensus step size must be positive and at most 1` });
    }).default(1),
  }).strict(),
  summary: 'CHOCO-SGD: compressed gossip with error feedback (static graphs)',
  // each neighbour's compressed estimate is kept across rounds, which needs a fixed graph
  needs: { time: 'sync', directed: false, timeVarying: false, aggregation: false, buffers: ['xhat'], live: true },
  liveRenormalises: true,
  messageBytes: ({ compression }, dim) => createCompressor(compression).bytes(dim),
  rowOps: { compress: compressRows, consensus: consensusRows },
  liveRowOps: { compress: liveCompress, consensus: liveConsensus },
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
