// D-PSGD (Lian et al. 2017): local SGD step(s), then each peer replaces its parameters with
// the mixing-weighted average of its own and its neighbours'. Every peer sends its vector to
// each neighbour once per round.
import type { Protocol, ProtocolContext } from './types.js';

export function createDpsgd(ctx: ProtocolContext): Protocol {
  const { topology, mixing } = ctx;
  const degrees = new Float64Array(topology.n);
  for (let i = 0; i < topology.n; i++) degrees[i] = topology.offsets[i + 1] - topology.offsets[i];
  return {
    kind: 'dpsgd',
    async round(ops, round) {
      await ops.train(round);
      await ops.mix(round, mixing);
      const perPeer = new Float64Array(topology.n);
      let bytes = 0;
      for (let i = 0; i < topology.n; i++) {
        perPeer[i] = degrees[i] * ops.vectorBytes;
        bytes += perPeer[i];
      }
      return { bytes, perPeer };
    },
  };
}
