// Every peer neighbours every other: the best-mixing (and most expensive) topology.
import type { Topology } from '../types.js';
import { checkPeers } from './check.js';
import { z } from 'zod';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

export function complete(n: number): Topology {
  checkPeers(n, 1, 'a complete graph');
  // rows are written already sorted, so the CSR is built directly
  const offsets = new Int32Array(n + 1);
  const neighbors = new Int32Array(n * (n - 1));
  let w = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (j !== i) neighbors[w++] = j;
    offsets[i + 1] = w;
  }
  return { n, directed: false, offsets, neighbors };
}

export const completeTopology = defineTopology({
  kind: 'complete',
  schema: z.object({ kind: z.literal('complete'), ...scheduleField }).strict(),
  summary: 'every peer neighbours every other',
  build: (_s, n) => complete(n),
  estimateLinks: (_s, n) => n * (n - 1),
  complete: true,
});
