// A ring lattice: each peer links to its k nearest peers on each side (degree 2k).
import type { Topology } from '../types.js';
import { checkInt, checkPeers } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';
import { z } from 'zod';
import { int } from '../config/kinds.js';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

export function ring(n: number, k = 1): Topology {
  checkPeers(n, 3, 'a ring');
  // 2k < n, otherwise the two sides meet and edges would repeat
  checkInt('k', k, 1, Math.floor((n - 1) / 2), `a ring of ${n} peers`);
  return fromEdgeBuffer(n, ringLattice(n, k), false);
}

/** The lattice edges (i, i+j mod n) for j = 1..k, in j-major order (Watts-Strogatz rewires in this order). */
export function ringLattice(n: number, k: number): EdgeBuffer {
  const buf = new EdgeBuffer(n * k);
  for (let j = 1; j <= k; j++) {
    for (let i = 0; i < n; i++) buf.push(i, (i + j) % n);
  }
  return buf;
}

export const ringTopology = defineTopology({
  kind: 'ring',
  schema: z.object({ kind: z.literal('ring'), k: int(1).default(1), ...scheduleField }).strict(),
  summary: 'ring lattice: k nearest peers on each side',
  build: (s, n) => ring(n, s.k),
  check: (s, n) => {
    const maxK = Math.floor((n - 1) / 2);
    return s.k > maxK ? [`topology.k: a ring of ${n} peers allows k at most ${maxK} neighbours each side (got ${s.k})`] : [];
  },
  estimateLinks: (s, n) => 2 * s.k * n,
  maxDegree: (s) => 2 * s.k,
});
