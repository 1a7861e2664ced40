// The exponential graph of SGP / push-sum papers (Assran et al. 2019): i -> i + 2^j (mod n)
// for j = 0..floor(log2(n-1)). Out-degree ~log2(n) with fast mixing.
import type { Topology } from '../types.js';
import { checkPeers } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';
import { z } from 'zod';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

export function directedExponential(n: number): Topology {
  checkPeers(n, 2, 'a directed exponential graph');
  const buf = new EdgeBuffer(n * Math.max(1, Math.ceil(Math.log2(n))));
  // hops 1, 2, 4, ... up to n-1 are all distinct and nonzero mod n, so no dups or self loops
  for (let i = 0; i < n; i++) {
    for (let hop = 1; hop < n; hop *= 2) buf.push(i, (i + hop) % n);
  }
  return fromEdgeBuffer(n, buf, true);
}

export const directedExponentialTopology = defineTopology({
  kind: 'directed-exponential',
  schema: z.object({ kind: z.literal('directed-exponential'), ...scheduleField }).strict(),
  summary: 'exponential graph i -> i + 2^j (SGP)',
  build: (_s, n) => directedExponential(n),
  check: (s, n) => (n < 2 ? [`topology: ${s.kind} needs at least 2 peers (got ${n})`] : []),
  estimateLinks: (_s, n) => n * Math.max(1, Math.ceil(Math.log2(n))),
  directed: true,
  exponentialHops: true,
});
