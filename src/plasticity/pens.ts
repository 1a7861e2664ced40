// PENS, performance-based neighbour selection (Onoszko, Karlsson, Mogren & Listo Zec 2021).
// Phase 1 (selectionRounds rounds): each round every peer receives the models of n random peers
// (grow.candidates), keeps the m (degree) whose loss on its own data is lowest, averages with
// them (equal weights: our peers hold equal amounts of data) and counts how often each peer was
// kept. Then each peer's neighbours are fixed to the peers kept more often than the expected
// number of times a peer is sampled, selectionRounds x n / peers (our reading of the paper; at
// most `cap` of them, the most kept; the m most kept if none is above), and in phase 2 it
// averages each round with m of them drawn at random.
import { createRng, restoreStreams, streamStates, type Rng } from '../rng.js';
import { LinkTable, samplePeers } from './links.js';
import type { PlasticRule, RuleContext, RuleDescriptor } from './types.js';
import { score } from './usefulness.js';

export const pens = {
  kind: 'pens' as const,
  summary: 'PENS: keep the m of n sampled peers with the lowest loss, then fix neighbours to those kept more than expected',
  plastic: true,
  create: (ctx: RuleContext) => createPens(ctx),
  check: (p, run) => [
    ...(run.rewires === 'peers' ? [`plasticity.rule: pens runs in synchronous rounds, and ${run.protocol} does not; use a protocol that mixes through rows, or rule hebbian`] : []),
    ...(p.grow.candidates < p.degree ? [`plasticity.grow.candidates: PENS keeps the degree (${p.degree}) best of grow.candidates sampled peers; use at least ${p.degree} candidates (got ${p.grow.candidates})`] : []),
    ...(p.selectionRounds >= run.rounds ? [`plasticity.selectionRounds: PENS fixes its neighbours after ${p.selectionRounds} rounds, and the run has ${run.rounds}; use fewer selection rounds`] : []),
  ],
} satisfies RuleDescriptor;

function createPens(ctx: RuleContext): PlasticRule {
  const n = ctx.peers;
  const { degree: m, grow, selectionRounds: t1, signal } = ctx.spec;
  const sampled = grow.candidates;
  const cap = Math.min(n - 1, 2 * Math.max(m, sampled));
  /** phase 1: this round's kept peers; phase 2: the fixed neighbours */
  const current = new LinkTable(n, cap);
  /** per peer: how often each other peer was kept in phase 1 */
  const kept: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  const rngs: Rng[] = Array.from({ length: n }, (_, i) => createRng(ctx.seed, 'plasticity', 'pens', i));
  const counters = { grown: 0, pruned: 0 };
  return {
    get grown() { return counters.grown; },
    get pruned() { return counters.pruned; },
    plan(round, plan) {
      for (let i = 0; i < n; i++) {
        plan.begin(i);
        if (round <= t1) {
          for (const j of samplePeers(n, i, sampled, (k) => rngs[i].int(k), () => true)) plan.push(j);
        } else {
          const nb = Array.from(current.from.subarray(i * cap, i * cap + current.count[i]));
          for (const t of samplePeers(nb.length, -1, m, (k) => rngs[i].int(k), () => true)) plan.push(nb[t]);
        }
        plan.end();
      }
    },
    update(round, plan) {
      const { offsets, sources } = plan.shared;
      for (let i = 0; i < n; i++) {
        const a = offsets[i], b = offsets[i + 1];
        if (round > t1) {
          plan.mix.fill(1, a, b);
          continue;
        }
        const best = Array.from({ length: b - a }, (_, t) => a + t)
          .sort((x, y) => score(plan, signal, y) - score(plan, signal, x) || sources[x] - sources[y])
          .slice(0, m);
        const before = new Set(current.from.subarray(i * cap, i * cap + current.count[i]));
        current.count[i] = 0;
        for (let e = a; e < b; e++) plan.mix[e] = 0;
        for (const e of best) {
          plan.mix[e] = 1;
          current.add(i, sources[e], 1);
          kept[i].set(sources[e], (kept[i].get(sources[e]) ?? 0) + 1);
          if (!before.delete(sources[e])) counters.grown++;
        }
        counters.pruned += before.size;
        if (round === t1) fixNeighbours(i);
      }
    },
    forEachInLink: (i, f) => current.forEach(i, f),
    selfStrength: () => 1,
    snapshot: () => ({ current: current.snapshot(), kept: Int32Array.from(kept.flatMap((k, i) => [...k].flatMap(([j, c]) => [i, j, c]))), rngs: streamStates(rngs), counters: { ...counters } }),
    restore(s) {
      const st = s as { current: ReturnType<LinkTable['snapshot']>; kept: Int32Array; rngs: Uint32Array; counters: typeof counters };
      current.restore(st.current);
      kept.forEach((k) => k.clear());
      for (let t = 0; t < st.kept.length; t += 3) kept[st.kept[t]].set(st.kept[t + 1], st.kept[t + 2]);
      restoreStreams(rngs, st.rngs);
      Object.assign(counters, st.counters);
    },
  };

  function fixNeighbours(i: number): void {
    const expected = (t1 * sampled) / n;
    const count = (j: number) => kept[i].get(j) ?? 0;
    const byCount = [...kept[i].keys()].sort((x, y) => count(y) - count(x) || x - y);
    let chosen = byCount.filter((j) => count(j) > expected).slice(0, cap);
    if (chosen.length === 0) chosen = byCount.slice(0, m);
    const before = new Set(current.from.subarray(i * cap, i * cap + current.count[i]));
    current.count[i] = 0;
    for (const j of chosen) {
      current.add(i, j, 1);
      if (!before.delete(j)) counters.grown++;
    }
    counters.pruned += before.size;
  }
}
