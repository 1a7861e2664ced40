// The one-way ring i -> i+1 (mod n): the sparsest strongly connected digraph.
import type { Topology } from '../types.js';
import { checkPeers } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';
import { z } from 'zod';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

export function directedRing(n: number): Topology {
  checkPeers(n, 2, 'a directed ring');
  const buf = new EdgeBuffer(n);
  for (let i = 0; i < n; i++) buf.push(i, (i + 1) % n);
  return fromEdgeBuffer(n, buf, true);
}

export const directedRingTopology = defineTopology({
  kind: 'directed-ring',
  schema: z.object({ kind: z.literal('directed-ring'), ...scheduleField }).strict(),
  summary: 'one-way ring i -> i+1',
  build: (_s, n) => directedRing(n),
  check: (s, n) => (n < 2 ? [`topology: ${s.kind} needs at least 2 peers (got ${n})`] : []),
  estimateLinks: (_s, n) => n,
  directed: true,
});
