// Two cliques of n/2 peers joined by one edge, between peer 0 and peer n-1: the dumbbell of He,
// Karimireddy, Jaggi (2022), whose single bridge is the bottleneck a robust rule must not cut.
// Peers 0..n/2-1 form clique A, n/2..n-1 clique B (pair it with partition label-blocks{2}).
import type { Topology } from '../types.js';
import { checkPeers, fail } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';
import { z } from 'zod';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

export function dumbbell(n: number): Topology {
  checkPeers(n, 4, 'a dumbbell');
  if (n % 2 !== 0) fail('', `a dumbbell needs an even number of peers, two cliques of peers/2 (got ${n})`);
  const q = n / 2;
  const buf = new EdgeBuffer(n);
  for (let i = 0; i < q; i++) {
    for (let j = i + 1; j < q; j++) {
      buf.push(i, j);
      buf.push(q + i, q + j);
    }
  }
  buf.push(0, n - 1);
  return fromEdgeBuffer(n, buf, false);
}

export const dumbbellTopology = defineTopology({
  kind: 'dumbbell',
  schema: z.object({ kind: z.literal('dumbbell'), ...scheduleField }).strict(),
  summary: 'two cliques of peers/2 joined by one edge',
  build: (_s, n) => dumbbell(n),
  check: (_s, n) => (n < 4 || n % 2 !== 0 ? [`topology: a dumbbell needs an even number of peers, at least 4 (two cliques of peers/2; got ${n})`] : []),
  estimateLinks: (_s, n) => (n / 2) * (n / 2 - 1) * 2 + 2,
});
