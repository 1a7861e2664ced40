// Preferential attachment. Choice: the seed graph is the complete graph on peers 0..m,
// so every peer starts with degree >= m and no peer is unreachable; each later peer t
// links to m distinct earlier peers drawn with probability proportional to degree
// (uniform draws from the list of edge endpoints, repeats redrawn).
// Edges: m(m+1)/2 + (n-m-1)*m.
import type { Rng } from '../rng.js';
import type { Topology } from '../types.js';
import { checkInt, checkPeers } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';
import { z } from 'zod';
import { int } from '../config/kinds.js';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

export function barabasiAlbert(n: number, m: number, rng: Rng): Topology {
  checkPeers(n, 2, 'a Barabasi-Albert graph');
  checkInt('m', m, 1, n - 1, `a Barabasi-Albert graph of ${n} peers`);
  const edges = (m * (m + 1)) / 2 + (n - m - 1) * m;
  const buf = new EdgeBuffer(edges);
  // every edge contributes both endpoints, so a uniform pick here is degree-proportional
  const ends = new Int32Array(2 * edges);
  let len = 0;
  for (let i = 0; i <= m; i++) {
    for (let j = i + 1; j <= m; j++) {
      buf.push(i, j);
      ends[len++] = i;
      ends[len++] = j;
    }
  }
  const chosen = new Int32Array(m);
  for (let t = m + 1; t < n; t++) {
    let c = 0;
    while (c < m) {
      const x = ends[rng.int(len)];
      let seen = false;
      for (let q = 0; q < c; q++) if (chosen[q] === x) seen = true;
      if (!seen) chosen[c++] = x;
    }
    // endpoints are appended after all m draws so this peer's picks don't feed each other
    for (let q = 0; q < m; q++) {
      buf.push(t, chosen[q]);
      ends[len++] = t;
      ends[len++] = chosen[q];
    }
  }
  return fromEdgeBuffer(n, buf, false);
}

export const barabasiAlbertTopology = defineTopology({
  kind: 'barabasi-albert',
  schema: z.object({ kind: z.literal('barabasi-albert'), m: int(1), ...scheduleField }).strict(),
  summary: 'preferential attachment: each new peer links to m earlier ones',
  build: (s, n, rng) => barabasiAlbert(n, s.m, rng),
  check: (s, n) => (s.m >= n ? [`topology.m: Barabasi-Albert needs m < peers (got m = ${s.m}, peers = ${n})`] : []),
  estimateLinks: (s, n) => 2 * s.m * n,
  random: true,
});
