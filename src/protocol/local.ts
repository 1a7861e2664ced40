// Local training only: the no-communication baseline.
import type { Protocol, ProtocolContext } from './types.js';

export function createLocal(ctx: ProtocolContext): Protocol {
  return {
    kind: 'local',
    async round(ops, round) {
      await ops.train(round);
      return { bytes: 0, perPeer: new Float64Array(ctx.topology.n) };
    },
  };
}
