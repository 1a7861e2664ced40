// The malicious ring of He, Karimireddy, Jaggi (2022) (MaliciousRing in their code): 3g+1 peers;
// peers 0..g-1 form a ring, peer i also links to peers g+i and 2g+i, and peer 3g links to peer 0.
// Peers g..3g have degree 1 and are meant to be the attackers (adversaries: {count: 2g+1,
// placement: lowest-degree}), so every honest peer has two Byzantine neighbours, peer 0 three.
import type { Topology } from '../types.js';
import { fail } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';
import { z } from 'zod';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

export function maliciousRing(n: number): Topology {
  const g = (n - 1) / 3;
  if (!Number.isInteger(g) || g < 3) fail('', `a malicious ring needs 3g+1 peers with g >= 3 honest ones on the ring (10, 13, 16, ...; got ${n})`);
  const buf = new EdgeBuffer(n);
  for (let i = 0; i < g; i++) {
    buf.push(i, (i + 1) % g);
    buf.push(i, g + i);
    buf.push(i, 2 * g + i);
  }
  buf.push(0, 3 * g);
  return fromEdgeBuffer(n, buf, false);
}

export const maliciousRingTopology = defineTopology({
  kind: 'malicious-ring',
  schema: z.object({ kind: z.literal('malicious-ring'), ...scheduleField }).strict(),
  summary: 'a ring of g honest peers, each with two degree-1 peers meant as attackers',
  build: (_s, n) => maliciousRing(n),
  check: (_s, n) => ((n - 1) % 3 !== 0 || n < 10 ? [`topology: a malicious ring needs 3g+1 peers with g >= 3 honest ones on the ring (10, 13, 16, ...; got ${n})`] : []),
  estimateLinks: (_s, n) => 2 * (n - 1) + 2,
});
