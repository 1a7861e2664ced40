// G(n, p): each of the n(n-1)/2 pairs is an edge independently with probability p.
// Written here (not graphology-generators) to skip over non-edges geometrically
// (Batagelj & Brandes 2005): O(n + edges) time and one rng draw per edge.
import type { Rng } from '../rng.js';
import type { Topology } from '../types.js';
import { checkPeers, checkProbability } from './check.js';
import { complete } from './complete.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';
import { z } from 'zod';
import { prob } from '../config/kinds.js';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

export function erdosRenyi(n: number, p: number, rng: Rng): Topology {
  checkPeers(n, 1, 'an Erdos-Renyi graph');
  checkProbability('p', p);
  if (p === 1) return complete(n);
  const buf = new EdgeBuffer(Math.ceil((p * n * (n - 1)) / 2) + 16);
  if (p > 0) {
    const logq = Math.log(1 - p);
    // walk the lower triangle (v, w), w < v, jumping over a geometric number of non-edges
    let v = 1;
    let w = -1;
    while (v < n) {
      w += 1 + Math.floor(Math.log(1 - rng.next()) / logq);
      while (w >= v && v < n) {
        w -= v;
        v++;
      }
      if (v < n) buf.push(v, w);
    }
  }
  return fromEdgeBuffer(n, buf, false);
}

export const erdosRenyiTopology = defineTopology({
  kind: 'erdos-renyi',
  schema: z.object({ kind: z.literal('erdos-renyi'), p: prob, ...scheduleField }).strict(),
  summary: 'G(n, p): each pair linked with probability p',
  build: (s, n, rng) => erdosRenyi(n, s.p, rng),
  estimateLinks: (s, n) => Math.ceil(s.p * n * (n - 1)) + 2 * n,
  random: true,
});
