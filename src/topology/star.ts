// Peer 0 is the hub linked to everyone; the others only talk through it.
import type { Topology } from '../types.js';
import { checkPeers } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';
import { z } from 'zod';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

export function star(n: number): Topology {
  checkPeers(n, 2, 'a star');
  const buf = new EdgeBuffer(n);
  for (let i = 1; i < n; i++) buf.push(0, i);
  return fromEdgeBuffer(n, buf, false);
}

export const starTopology = defineTopology({
  kind: 'star',
  schema: z.object({ kind: z.literal('star'), ...scheduleField }).strict(),
  summary: 'peer 0 is a hub linked to every other peer',
  build: (_s, n) => star(n),
  check: (_s, n) => (n < 2 ? [`topology: a star needs at least 2 peers (got ${n})`] : []),
  estimateLinks: (_s, n) => 2 * (n - 1),
});
