// Where the adversaries sit and how their messages reach honest peers: link e (adversary a ->
// honest i) gets extra parameter row peers + e, and the gather reads a copy of W whose entry
// (i, a) points there. Built once at set-up from the config, the seed and the graph.
import { createRng } from '../rng.js';
import type { MixingMatrix, Topology } from '../types.js';
import type { AdversariesConfig, AttackSpec } from './index.js';
import { attackOf } from './index.js';
import type { CraftEnv } from './types.js';

/** Plain data (travels to workers once, with the train settings). */
export interface AdversaryPlan {
  attack: AttackSpec;
  start: number;
  /** adversarial peer ids, ascending */
  peers: number[];
  /** 1 for adversarial peers (peers entries) */
  mask: Uint8Array;
  /** crafted links as [from, to] pairs (2E entries), by honest target then sender; empty for label-flip */
  links: Int32Array;
  /** the static mixing matrix the links were read from */
  w: MixingMatrix;
}

/** The adversaries of a run: listed, or `count` placed at random / by degree (ties broken by a seeded shuffle). */
export function placeAdversaries(cfg: AdversariesConfig, topology: Topology, seed: number): number[] {
  if (Array.isArray(cfg.peers)) return [...cfg.peers].sort((a, b) => a - b);
  const n = topology.n;
  const order = createRng(seed, 'adversaries').shuffle(Array.from({ length: n }, (_, i) => i));
  const degree = (i: number) => topology.offsets[i + 1] - topology.offsets[i];
  if (cfg.peers.placement === 'highest-degree') order.sort((a, b) => degree(b) - degree(a));
  if (cfg.peers.placement === 'lowest-degree') order.sort((a, b) => degree(a) - degree(b));
  return order.slice(0, cfg.peers.count).sort((a, b) => a - b);
}

export function createAdversaryPlan(cfg: AdversariesConfig, topology: Topology, w: MixingMatrix, seed: number): AdversaryPlan {
  const peers = placeAdversaries(cfg, topology, seed);
  const mask = new Uint8Array(topology.n);
  for (const p of peers) mask[p] = 1;
  const links: number[] = [];
  if (attackOf(cfg.attack.kind).craft) {
    for (let i = 0; i < w.n; i++) {
      if (mask[i]) continue;
      for (let p = w.offsets[i]; p < w.offsets[i + 1]; p++) if (mask[w.cols[p]]) links.push(w.cols[p], i);
    }
  }
  return { attack: cfg.attack, start: cfg.start, peers, mask, links: Int32Array.from(links), w };
}

/** W with each honest row's adversarial entry (i, a) moved to column peers + (the link a -> i). */
export function remapMixing(plan: AdversaryPlan): MixingMatrix {
  const { w, links, mask } = plan;
  const cols = w.cols.slice();
  const linkOf = new Map<number, number>();
  for (let e = 0; e < links.length / 2; e++) linkOf.set(links[2 * e] * w.n + links[2 * e + 1], e);
  for (let i = 0; i < w.n; i++) {
    if (mask[i]) continue;
    for (let p = w.offsets[i]; p < w.offsets[i + 1]; p++) if (mask[w.cols[p]]) cols[p] = w.n + linkOf.get(w.cols[p] * w.n + i)!;
  }
  return { n: w.n, offsets: w.offsets, cols, weights: w.weights };
}

/** Writes link e's message into row peers + e of x, for e in [e0, e1). */
export function craftLinks(plan: AdversaryPlan, base: Omit<CraftEnv, 'from' | 'to' | 'w' | 'adversarial' | 'adversaries'>, e0: number, e1: number): void {
  const attack = attackOf(plan.attack.kind);
  const { dim, peers, x } = base;
  for (let e = e0; e < e1; e++) {
    const env: CraftEnv = { ...base, w: plan.w, adversarial: plan.mask, adversaries: plan.peers.length, from: plan.links[2 * e], to: plan.links[2 * e + 1] };
    attack.craft!(plan.attack as never, env, x.subarray((peers + e) * dim, (peers + e + 1) * dim));
  }
}
