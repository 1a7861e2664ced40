// Hebbian plasticity: links that help strengthen, useless ones weaken and are cut, new ones grow.
// Every round each peer hears its in-links and measures each model's usefulness u in [0, 1]
// (usefulness.ts); a link's strength follows it: s <- (1 - rate) s + rate u. Links below
// `prune` are cut. Every grow.every rounds a peer also probes grow.candidates non-neighbours
// (its own seeded stream); a candidate joins (strength u) where there is room, or in place of
// the weakest link when it beats it. Budget: a peer receives at most `degree` models per round,
// so on grow rounds the probes take the slots of its weakest links (which skip that round).
import { createRng, restoreStreams, streamStates, type Rng } from '../rng.js';
import { inNeighbors } from '../topology/analysis.js';
import { LinkTable, samplePeers } from './links.js';
import type { PlasticRule, RuleContext, RuleDescriptor } from './types.js';
import { usefulness } from './usefulness.js';

export const hebbian = {
  kind: 'hebbian' as const,
  summary: 'strengths follow the usefulness of each in-link; weak links are cut, probed candidates grow',
  plastic: true,
  create: (ctx: RuleContext) => createHebbian(ctx),
  check: (p) => [
    ...(p.grow.candidates > p.degree ? [`plasticity.grow.candidates: probes count against the degree budget (${p.degree} models per round), so at most ${p.degree} candidates (got ${p.grow.candidates})`] : []),
    ...(p.grow.every < 2 ? ['plasticity.grow.every: hebbian probes take the slots of the weakest links on grow rounds, so links are measured on the rounds between; use every >= 2'] : []),
  ],
} satisfies RuleDescriptor;

/** The starting in-links: the graph's in-neighbours, a seeded `degree` of them where there are more; strength 1. */
export function startingLinks(ctx: RuleContext, cap: number, keep: number): LinkTable {
  const n = ctx.peers;
  const links = new LinkTable(n, cap);
  const inn = inNeighbors(ctx.topology);
  for (let i = 0; i < n; i++) {
    let nb = Array.from(inn.neighbors.subarray(inn.offsets[i], inn.offsets[i + 1]));
    if (nb.length > keep) nb = createRng(ctx.seed, 'plasticity', 'start', i).shuffle(nb).slice(0, keep).sort((a, b) => a - b);
    for (const j of nb) links.add(i, j, 1);
  }
  return links;
}

function createHebbian(ctx: RuleContext): PlasticRule {
  const n = ctx.peers;
  const { degree, rate, prune, grow, signal } = ctx.spec;
  const links = startingLinks(ctx, degree, degree);
  const rngs: Rng[] = Array.from({ length: n }, (_, i) => createRng(ctx.seed, 'plasticity', 'grow', i));
  /** per peer, how many of this round's entries (the last ones) are probes of candidates */
  const probes = new Int32Array(n);
  const counters = { grown: 0, pruned: 0 };
  const at = (i: number, k: number) => i * degree + k;
  return {
    get grown() { return counters.grown; },
    get pruned() { return counters.pruned; },
    plan(round, plan) {
      const growing = round % grow.every === 0;
      for (let i = 0; i < n; i++) {
        plan.begin(i);
        const cands = growing ? samplePeers(n, i, grow.candidates, (m) => rngs[i].int(m), (j) => !links.has(i, j)) : [];
        for (const k of links.byStrength(i).slice(0, Math.max(0, degree - cands.length))) plan.push(links.from[at(i, k)]);
        for (const c of cands) plan.push(c);
        probes[i] = cands.length;
        plan.end();
      }
    },
    update(_round, plan) {
      const { offsets, sources } = plan.shared;
      for (let i = 0; i < n; i++) {
        const a = offsets[i], b = offsets[i + 1], firstProbe = b - probes[i];
        for (let e = a; e < firstProbe; e++) {
          const k = at(i, links.indexOf(i, sources[e]));
          links.strength[k] = (1 - rate) * links.strength[k] + rate * usefulness(plan, signal, i, e);
        }
        for (let k = links.count[i] - 1; k >= 0; k--) {
          if (links.strength[at(i, k)] < prune) {
            links.removeAt(i, k);
            counters.pruned++;
          }
        }
        const cands = Array.from({ length: b - firstProbe }, (_, t) => firstProbe + t)
          .map((e) => ({ e, u: usefulness(plan, signal, i, e) }))
          .sort((x, y) => y.u - x.u || sources[x.e] - sources[y.e]);
        for (const { e, u } of cands) {
          if (u < prune) continue;
          if (links.count[i] >= degree) {
            const weakest = links.byStrength(i)[links.count[i] - 1];
            if (!(u > links.strength[at(i, weakest)])) continue;
            links.removeAt(i, weakest);
            counters.pruned++;
          }
          links.add(i, sources[e], u);
          counters.grown++;
        }
        for (let e = a; e < b; e++) {
          const k = links.indexOf(i, sources[e]);
          plan.mix[e] = k >= 0 ? links.strength[at(i, k)] : 0;
        }
      }
    },
    forEachInLink: (i, f) => links.forEach(i, f),
    selfStrength: () => 1,
    snapshot: () => ({ links: links.snapshot(), rngs: streamStates(rngs), counters: { ...counters } }),
    restore(s) {
      const st = s as { links: ReturnType<LinkTable['snapshot']>; rngs: Uint32Array; counters: typeof counters };
      links.restore(st.links);
      restoreStreams(rngs, st.rngs);
      Object.assign(counters, st.counters);
    },
  };
}
