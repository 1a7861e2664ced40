// D-PSGD (Lian et al. 2017): local SGD step(s), then each peer replaces its parameters with
// the mixing-weighted average of its own and its neighbours'. Every peer sends its vector to
// each neighbour once per round. Under a time-varying schedule, W is the round's matrix.
import { trafficOf, type Protocol, type ProtocolContext } from './types.js';

export function createDpsgd(ctx: ProtocolContext): Protocol {
  const { schedule } = ctx;
  return {
    kind: 'dpsgd',
    async round(ops, round) {
      const g = schedule.at(round);
      await ops.trainThenMix(round, g.mixing);
      return trafficOf(g.outDegrees, ops.vectorBytes);
    },
  };
}
