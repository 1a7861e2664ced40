// FedAvg (McMahan et al. 2017), the central-server baseline: a seeded fraction of peers trains
// locally and uploads; the server averages the uploads and sends the model back to every peer.
import { z } from 'zod';
import { createRng } from '../rng.js';
import { defineProtocol } from './types.js';

export const fedavg = defineProtocol({
  kind: 'fedavg',
  schema: z.object({ kind: z.literal('fedavg'), fraction: z.number().gt(0).max(1).default(1) }).strict(),
  summary: 'FedAvg: a central server averages a sampled fraction of peers (the centralized baseline)',
  needs: { time: 'sync', directed: true, timeVarying: true, aggregation: false, live: true },
  mixingNote: 'unused by fedavg: a central server averages',
  messageBytes: (_spec, dim) => dim * 4,
  create: ({ fraction }, ctx) => {
    const n = ctx.topology.n;
    const rng = createRng(ctx.seed, 'fedavg-sample');
    const all = Array.from({ length: n }, (_, i) => i);
    return {
      async round(ops, round) {
        let chosen = all;
        if (fraction < 1) {
          const m = Math.max(1, Math.round(fraction * n));
          chosen = rng.shuffle(all.slice()).slice(0, m).sort((a, b) => a - b);
        }
        await ops.train(round, chosen);
        await ops.averageAll(round, chosen);
        const perPeer = new Float64Array(n);
        for (const p of chosen) perPeer[p] = ctx.messageBytes; // uploads
        // the server's download to every peer counts as traffic too
        const bytes = (chosen.length + n) * ctx.messageBytes;
        return { bytes, perPeer };
      },
      snapshot: () => ({ rng: rng.state.slice() }),
      restore: (s) => rng.state.set((s as { rng: Uint32Array }).rng),
    };
  },
});
