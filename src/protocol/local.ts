// Local training only: the no-communication baseline.
import { z } from 'zod';
import { defineProtocol } from './types.js';

export const local = defineProtocol({
  kind: 'local',
  schema: z.object({ kind: z.literal('local') }).strict(),
  summary: 'no communication: each peer trains alone (the lower baseline)',
  needs: { time: 'sync', directed: true, timeVarying: true, aggregation: false, live: true },
  liveRenormalises: true,
  messageBytes: () => 0,
  create: (_spec, ctx) => ({
    async round(ops, round) {
      await ops.train(round);
      return { bytes: 0, perPeer: new Float64Array(ctx.topology.n) };
    },
  }),
});
