// CHOCO-SGD (Koloskova, Stich & Jaggi 2019): compressed gossip with error feedback through
// public estimates. Each round, per peer i:
//   x_i <- local step(s);  q_i = C(x_i - xhat_i);  send q_i;  xhat_j += q_j for j in N(i) u {i};
//   x_i <- x_i + gamma * sum_j w_ij (xhat_j - xhat_i).
// Every copy of xhat_j (held by j's neighbours) receives the same q_j, so one shared row per peer
// stands for all copies. With C = identity and gamma = 1 this is D-PSGD exactly.
import { createCompressor, type CompressionSpec } from './compression/index.js';
import { trafficOf, type Protocol, type ProtocolContext } from './types.js';

export function createChoco(ctx: ProtocolContext, compression: CompressionSpec, gamma: number): Protocol {
  const compressor = createCompressor(compression);
  const graph = ctx.schedule.at(1); // choco needs a static graph (checked in config)
  return {
    kind: 'choco',
    async round(ops, round) {
      await ops.train(round);
      await ops.compressToAux(round, compression);
      await ops.consensusStep(round, graph.mixing, gamma);
      return trafficOf(graph.outDegrees, compressor.bytes(ops.dim));
    },
  };
}
