// Hebbian plasticity in asynchronous gossip learning. A peer's in-links say whom it learns from: a
// waking peer sends (push) to one of the peers whose in-links hold it, or asks (pull) one of its own. On each
// model received, the receiver probes it on its held-out batch against its own model (u as in
// usefulness.ts); a link's strength follows u at `rate`, and a link that falls below `prune` is cut
// and its model not merged. Every grow.every wake-ups a peer asks a candidate (a seeded
// non-neighbour) for its model instead of gossiping: the model joins as a link where there is
// room, or in place of the weakest link it beats, and only then is merged. Bytes: the driver counts
// every message, requests and probes included.
import { createRng, restoreStreams, streamStates, type Rng } from '../rng.js';
import type { AsyncMessage, AsyncOps, AsyncProtocol } from '../protocol/types.js';
import { startingLinks } from './hebbian.js';
import { LinkTable, samplePeers } from './links.js';
import type { PlasticRule, RuleContext } from './types.js';
import { lossUsefulness } from './usefulness.js';

/** The losses a probe needs: a model's on peer p's probe batch (p's own row when model is absent). */
export type ProbeLoss = (peer: number, model?: Float32Array) => Promise<number>;

export interface PlasticGossip extends AsyncProtocol {
  readonly rule: PlasticRule;
}

export function withGossipPlasticity(inner: AsyncProtocol, ctx: RuleContext, probeLoss: ProbeLoss, variant: string): PlasticGossip {
  const n = ctx.peers;
  const { degree, rate, prune, grow } = ctx.spec;
  const links: LinkTable = startingLinks(ctx, degree, degree);
  const rngs: Rng[] = Array.from({ length: n }, (_, i) => createRng(ctx.seed, 'plasticity', 'grow', i));
  const wakes = new Float64Array(n);
  const counters = { grown: 0, pruned: 0 };
  const at = (i: number, k: number) => i * degree + k;
  /** the peers that listen to p (hold p in their in-links), ascending */
  const listeners = (p: number): Int32Array => {
    const out: number[] = [];
    for (let q = 0; q < n; q++) if (links.has(q, p)) out.push(q);
    return Int32Array.from(out);
  };
  const sources = (p: number): Int32Array => Int32Array.from(links.from.subarray(p * degree, p * degree + links.count[p])).sort();
  // push sends to the peers that listen; pull asks the peers it listens to
  const plasticOps = (ops: AsyncOps): AsyncOps => Object.create(ops, { neighbours: { value: variant === 'pull' ? sources : listeners } });

  /** Probes the model m carries for m.to; true when it is (now) an in-link to merge. */
  const accept = async (m: AsyncMessage, ops: AsyncOps): Promise<boolean> => {
    const q = m.to;
    const u = lossUsefulness(await probeLoss(q), await probeLoss(q, ops.model(m)));
    const k = links.indexOf(q, m.from);
    if (k >= 0) {
      const s = (links.strength[at(q, k)] = (1 - rate) * links.strength[at(q, k)] + rate * u);
      if (s >= prune) return true;
      links.removeAt(q, k);
      counters.pruned++;
      return false;
    }
    if (u < prune) return false;
    if (links.count[q] >= degree) {
      const weakest = links.byStrength(q)[links.count[q] - 1];
      if (!(u > links.strength[at(q, weakest)])) return false;
      links.removeAt(q, weakest);
      counters.pruned++;
    }
    links.add(q, m.from, u);
    counters.grown++;
    return true;
  };

  const rule: PlasticRule = {
    get grown() { return counters.grown; },
    get pruned() { return counters.pruned; },
    plan: () => {},
    update: () => {},
    forEachInLink: (i, f) => links.forEach(i, f),
    selfStrength: () => 1,
  };
  return {
    rule,
    async wake(p, ops) {
      wakes[p]++;
      if (wakes[p] % grow.every === 0) {
        const [c] = samplePeers(n, p, 1, (k) => rngs[p].int(k), (j) => !links.has(p, j));
        if (c !== undefined) {
          ops.sendRequest(p, c);
          return;
        }
      }
      await inner.wake(p, plasticOps(ops));
    },
    async receive(m, ops) {
      if (m.kind === 'model' && !(await accept(m, ops))) return;
      await inner.receive(m, plasticOps(ops));
    },
    snapshot: () => ({ inner: inner.snapshot?.(), links: links.snapshot(), rngs: streamStates(rngs), wakes: wakes.slice(), counters: { ...counters } }),
    restore(s) {
      const st = s as { inner: unknown; links: ReturnType<LinkTable['snapshot']>; rngs: Uint32Array; wakes: Float64Array; counters: typeof counters };
      if (st.inner !== undefined) inner.restore?.(st.inner);
      links.restore(st.links);
      restoreStreams(rngs, st.rngs);
      wakes.set(st.wakes);
      Object.assign(counters, st.counters);
    },
  };
}
