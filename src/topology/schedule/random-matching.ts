// A fresh uniformly random perfect matching of all peers every round (pairwise gossip, as in
// Boyd et al. 2006 with synchronous pairs). Each pair averages: W = 1/2 on the pair.
import { z } from 'zod';
import { TopologyError } from '../../errors.js';
import { createRng } from '../../rng.js';
import { EdgeBuffer, fromEdgeBuffer } from '../csr.js';
import { defineSchedule, roundGraph, type MixingFor, type Schedule } from './types.js';

export function randomMatching(n: number, seed: number, mixingFor: MixingFor): Schedule {
  if (!Number.isInteger(n) || n < 2 || n % 2 !== 0) {
    throw new TopologyError(`topology.schedule: random-matching pairs every peer each round, so it needs an even number of peers of at least 2 (got ${n})`);
  }
  const order = new Int32Array(n);
  return {
    kind: 'random-matching',
    timeVarying: true,
    at(round) {
      // round r's matching depends on (seed, r) only, so any round can be asked for in any order
      const rng = createRng(seed, 'schedule', 'matching', round);
      for (let i = 0; i < n; i++) order[i] = i;
      rng.shuffle(order);
      const buf = new EdgeBuffer(n / 2);
      for (let i = 0; i < n; i += 2) buf.push(order[i], order[i + 1]);
      return roundGraph(fromEdgeBuffer(n, buf, false), mixingFor);
    },
  };
}

export const randomMatchingKind = defineSchedule({
  kind: 'random-matching',
  schema: z.object({ kind: z.literal('random-matching') }).strict(),
  summary: 'a fresh random perfect matching of all peers each round',
  timeVarying: true,
  check: (_s, { topology: t, peers }) => [
    ...(t.complete ? [] : [`topology.schedule: random-matching pairs up all peers at random each round (a perfect matching of the complete graph); set topology.kind: complete (got ${t.kind})`]),
    ...(peers % 2 !== 0 || peers < 2 ? [`topology.schedule: random-matching needs an even number of peers to pair every peer each round (got ${peers}); use an even peers count`] : []),
  ],
  create: (_s, ctx) => randomMatching(ctx.topology.n, ctx.seed, ctx.mixingFor),
});
