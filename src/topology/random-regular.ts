// A uniformly drawn-ish k-regular graph: every peer has exactly k neighbours, chosen at random.
// Stubs are paired one at a time among those that may still join (no self loops, no double
// edges), restarting on a dead end (Steger & Wormald 1999), so it needs only a few tries.
import type { Rng } from '../rng.js';
import type { Topology } from '../types.js';
import { checkInt, checkPeers, fail } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';
import { z } from 'zod';
import { int } from '../config/kinds.js';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

const TRIES = 1000;

export function randomRegular(n: number, k: number, rng: Rng): Topology {
  checkPeers(n, 1, 'a random regular graph');
  checkInt('k', k, 0, n - 1, `a random regular graph of ${n} peers`);
  if ((n * k) % 2 !== 0) fail('k', `n x k must be even for every peer to have k neighbours (${n} x ${k} is odd); change k or peers`);
  for (let t = 0; t < TRIES; t++) {
    const buf = tryPairing(n, k, rng);
    if (buf) return fromEdgeBuffer(n, buf, false);
  }
  return fail('k', `no ${k}-regular graph on ${n} peers found in ${TRIES} tries; use a smaller k`);
}

function tryPairing(n: number, k: number, rng: Rng): EdgeBuffer | undefined {
  const free = new Int32Array(n).fill(k);
  const adj: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  const buf = new EdgeBuffer((n * k) / 2);
  const open: number[] = [];
  for (let edges = 0; edges < (n * k) / 2; edges++) {
    open.length = 0;
    for (let i = 0; i < n; i++) for (let s = 0; s < free[i]; s++) open.push(i);
    // a few random draws, then an exhaustive check for any legal pair
    let u = -1, v = -1;
    for (let d = 0; d < 50 && u < 0; d++) {
      const a = open[rng.int(open.length)], b = open[rng.int(open.length)];
      if (a !== b && !adj[a].has(b)) { u = a; v = b; }
    }
    if (u < 0) return undefined;
    free[u]--; free[v]--;
    adj[u].add(v); adj[v].add(u);
    buf.push(u, v);
  }
  return buf;
}

export const randomRegularTopology = defineTopology({
  kind: 'random-regular',
  schema: z.object({ kind: z.literal('random-regular'), k: int(0), ...scheduleField }).strict(),
  summary: 'every peer has exactly k neighbours, drawn at random',
  build: (s, n, rng) => randomRegular(n, s.k, rng),
  check: (s, n) => {
    if (s.k > n - 1) return [`topology.k: a random regular graph of ${n} peers allows k at most ${n - 1} (got ${s.k})`];
    if ((n * s.k) % 2 !== 0) return [`topology.k: peers x k must be even for every peer to have k neighbours (${n} x ${s.k} is odd); change k or peers`];
    return [];
  },
  estimateLinks: (s, n) => s.k * n,
});
