// Small world: a ring lattice (k neighbours each side) whose edges are each rewired with
// probability beta to a uniformly chosen new endpoint. Follows networkx: edges are visited
// j-major (all (i, i+1), then all (i, i+2), ...), the edge keeps its first end i, and the
// new end avoids i itself and i's current neighbours, so the edge count stays n*k.
import type { Rng } from '../rng.js';
import type { Topology } from '../types.js';
import { checkInt, checkPeers, checkProbability } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';
import { ringLattice } from './ring.js';
import { z } from 'zod';
import { int, prob } from '../config/kinds.js';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

export function wattsStrogatz(n: number, k: number, beta: number, rng: Rng): Topology {
  checkPeers(n, 3, 'a Watts-Strogatz graph');
  checkInt('k', k, 1, Math.floor((n - 1) / 2), `a Watts-Strogatz graph of ${n} peers`);
  checkProbability('beta', beta);
  const lattice = ringLattice(n, k);
  const adj: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  for (let e = 0; e < lattice.count; e++) {
    adj[lattice.u(e)].add(lattice.v(e));
    adj[lattice.v(e)].add(lattice.u(e));
  }
  for (let e = 0; e < lattice.count; e++) {
    if (rng.next() >= beta) continue;
    const u = lattice.u(e);
    const v = lattice.v(e);
    if (adj[u].size >= n - 1) continue; // nowhere new to go
    let w = rng.int(n);
    while (w === u || adj[u].has(w)) w = rng.int(n);
    adj[u].delete(v);
    adj[v].delete(u);
    adj[u].add(w);
    adj[w].add(u);
  }
  const buf = new EdgeBuffer(n * k);
  for (let u = 0; u < n; u++) for (const v of adj[u]) if (u < v) buf.push(u, v);
  return fromEdgeBuffer(n, buf, false);
}

export const wattsStrogatzTopology = defineTopology({
  kind: 'watts-strogatz',
  schema: z.object({ kind: z.literal('watts-strogatz'), k: int(1), beta: prob, ...scheduleField }).strict(),
  summary: 'small world: a ring lattice with edges rewired with probability beta',
  build: (s, n, rng) => wattsStrogatz(n, s.k, s.beta, rng),
  check: (s, n) => {
    const maxK = Math.floor((n - 1) / 2);
    return s.k > maxK ? [`topology.k: a Watts-Strogatz graph of ${n} peers allows k at most ${maxK} (got ${s.k})`] : [];
  },
  estimateLinks: (s, n) => 2 * s.k * n,
  random: true,
});
