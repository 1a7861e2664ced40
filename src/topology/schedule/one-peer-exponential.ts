// The one-peer exponential graph of SGP (Assran et al. 2019; Ying et al. 2021): in round t every
// peer i sends to i + 2^(t mod tau) only, tau = ceil(log2 n) hops. Each round's W (1/2 kept,
// 1/2 sent) is circulant, hence doubly stochastic; for n a power of two the product of tau
// consecutive rounds is exactly the averaging matrix.
import { z } from 'zod';
import { checkPeers } from '../check.js';
import { EdgeBuffer, fromEdgeBuffer } from '../csr.js';
import { defineSchedule, roundGraph, type MixingFor, type RoundGraph, type Schedule } from './types.js';

/** Number of distinct hops 1, 2, 4, ... below n. */
export function exponentialHops(n: number): number {
  let tau = 0;
  for (let hop = 1; hop < n; hop *= 2) tau++;
  return tau;
}

export function onePeerExponential(n: number, mixingFor: MixingFor): Schedule {
  checkPeers(n, 2, 'the one-peer exponential schedule');
  const tau = exponentialHops(n);
  const graphs: RoundGraph[] = [];
  for (let k = 0; k < tau; k++) {
    const hop = 2 ** k;
    const buf = new EdgeBuffer(n);
    for (let i = 0; i < n; i++) buf.push(i, (i + hop) % n);
    graphs.push(roundGraph(fromEdgeBuffer(n, buf, true), mixingFor));
  }
  return {
    kind: 'one-peer-exponential',
    timeVarying: tau > 1,
    at: (round) => graphs[(((round - 1) % tau) + tau) % tau],
  };
}

export const onePeerExponentialKind = defineSchedule({
  kind: 'one-peer-exponential',
  schema: z.object({ kind: z.literal('one-peer-exponential') }).strict(),
  summary: 'one edge i -> i + 2^k of the exponential graph per round (circulant, doubly stochastic)',
  timeVarying: true,
  balancesDirected: true,
  check: (_s, { topology: t }) => (t.exponentialHops ? [] : [`topology.schedule: one-peer-exponential uses one edge i -> i + 2^k of the exponential graph per round; set topology.kind: directed-exponential (got ${t.kind})`]),
  create: (_s, ctx) => onePeerExponential(ctx.topology.n, ctx.mixingFor),
});
