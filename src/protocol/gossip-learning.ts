// Gossip learning (Ormandi, Hegedus & Jelasity 2013; Hegedus, Danner & Jelasity 2019): every peer
// wakes on its own clock and sends its model to a neighbour drawn uniformly at random; a peer
// that receives a model merges it with its own by an age-weighted average, then takes its local
// step(s). Ages count the updates a model has seen, so the older model weighs more. The merge goes
// through the aggregation rule's pairwise form: the age-weighted mean by default, or clipped gossip
// (the received model's difference to the own one clipped to norm tau before it is weighted in).
//   push:      the waking peer sends its model.
//   pull:      the waking peer asks a neighbour, which answers with its model.
//   push-pull: the waking peer sends its model, and the receiver answers with its own
//              (taken before merging), so both sides merge.
import { z } from 'zod';
import { createRng, restoreStreams, streamStates, type Rng } from '../rng.js';
import { defineAsyncProtocol, type AsyncMessage, type AsyncOps, type AsyncProtocol } from './types.js';

export type GossipVariant = 'push' | 'pull' | 'push-pull';

/** Bytes of the age sent with a model. */
export const AGE_BYTES = 8;

export const gossipLearning = defineAsyncProtocol({
  kind: 'gossip-learning',
  schema: z.object({ kind: z.literal('gossip-learning'), variant: z.enum(['push', 'pull', 'push-pull']).default('push') }).strict(),
  summary: 'gossip learning: peers wake on their own clocks, send models to random neighbours and merge by age',
  // neighbours are sampled from a fixed graph (time.mode async has no schedules)
  needs: { time: 'async', directed: true, timeVarying: false, aggregation: 'pairwise', live: true, plasticity: 'peers' },
  messageBytes: (_spec, dim) => dim * 4 + AGE_BYTES,
  create: ({ variant }, ctx) => createGossipLearning(ctx.peers, ctx.seed, variant, ctx.localSteps),
});

export function createGossipLearning(n: number, seed: number, variant: GossipVariant, localSteps: number): AsyncProtocol {
  const age = new Float64Array(n);
  const pick: Rng[] = Array.from({ length: n }, (_, p) => createRng(seed, 'gossip', 'neighbour', p));
  const sample = (p: number, ops: AsyncOps): number => {
    const nb = ops.neighbours(p);
    return nb.length === 0 ? -1 : nb[pick[p].int(nb.length)];
  };
  const mergeAndStep = async (m: AsyncMessage, ops: AsyncOps) => {
    const q = m.to;
    ops.merge(q, m, ageWeight(age[q], m.age));
    age[q] = Math.max(age[q], m.age);
    await ops.train(q);
    age[q] += localSteps;
  };
  return {
    async wake(p, ops) {
      const q = sample(p, ops);
      if (q < 0) return;
      if (variant === 'pull') ops.sendRequest(p, q);
      else ops.sendModel(p, q, age[p], variant === 'push-pull');
    },
    snapshot: () => ({ age: age.slice(), pick: streamStates(pick) }),
    restore(s) {
      const { age: a, pick: p } = s as { age: Float64Array; pick: Uint32Array };
      age.set(a);
      restoreStreams(pick, p);
    },
    async receive(m, ops) {
      if (m.kind === 'request') {
        ops.sendModel(m.to, m.from, age[m.to], false);
        return;
      }
      if (m.reply) ops.sendModel(m.to, m.from, age[m.to], false);
      await mergeAndStep(m, ops);
    },
  };
}

/** Weight of the incoming model in the age-weighted merge: its share of the two ages (1/2 if both are new). */
export function ageWeight(own: number, incoming: number): number {
  return own + incoming > 0 ? incoming / (own + incoming) : 0.5;
}
