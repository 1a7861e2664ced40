// D-PSGD (Lian et al. 2017): local SGD step(s), then each peer replaces its parameters with
// the mixing-weighted average of its own and its neighbours' (or what the run's aggregation
// rule makes of them). Every peer sends its vector to each neighbour once per round. Under a
// time-varying schedule, W is the round's matrix.
import { z } from 'zod';
import { defineProtocol, trafficOf } from './types.js';

export const dpsgd = defineProtocol({
  kind: 'dpsgd',
  schema: z.object({ kind: z.literal('dpsgd') }).strict(),
  summary: 'decentralized SGD: local step, then average with neighbours',
  needs: { time: 'sync', directed: false, timeVarying: true, aggregation: true, live: true, plasticity: 'rows' },
  liveRenormalises: true,
  messageBytes: (_spec, dim) => dim * 4,
  create: (_spec, ctx) => ({
    async round(ops, round) {
      const g = ctx.schedule.at(round);
      await ops.trainThenMix(round, g.mixing);
      return trafficOf(g.outDegrees, ctx.messageBytes);
    },
  }),
});
