// FedAvg (McMahan et al. 2017), the central-server baseline: a seeded fraction of peers trains
// locally and uploads; the server averages the uploads and sends the model back to every peer.
import { createRng } from '../rng.js';
import type { Protocol, ProtocolContext } from './types.js';

export function createFedAvg(ctx: ProtocolContext, fraction: number): Protocol {
  const n = ctx.topology.n;
  const rng = createRng(ctx.seed, 'fedavg-sample');
  const all = Array.from({ length: n }, (_, i) => i);
  return {
    kind: 'fedavg',
    async round(ops, round) {
      let chosen = all;
      if (fraction < 1) {
        const m = Math.max(1, Math.round(fraction * n));
        chosen = rng.shuffle(all.slice()).slice(0, m).sort((a, b) => a - b);
      }
      await ops.train(round, chosen);
      await ops.averageAll(round, chosen);
      const perPeer = new Float64Array(n);
      for (const p of chosen) perPeer[p] = ops.vectorBytes; // uploads
      // the server's download to every peer counts as traffic too
      const bytes = chosen.length * ops.vectorBytes + n * ops.vectorBytes;
      return { bytes, perPeer };
    },
  };
}
