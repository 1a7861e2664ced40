// Crafted attacks in asynchronous gossip learning: an adversary's model message to an honest peer
// is crafted when it is sent (a push, or the answer to a pull), from the rows as they are at that
// moment of virtual time, with the same attack modules as the synchronous gather. The attacks that
// read mixing weights (dissensus) use the run's mixing matrix of the graph.
import { createScratch } from '../engine/scratch.js';
import { attackOf } from './index.js';
import type { AdversaryPlan } from './plan.js';

/** Writes the message `from` sends `to` in `out` and returns true when it is a crafted one. */
export type AsyncCrafter = (from: number, to: number, round: number, x: Float32Array, out: Float32Array) => boolean;

export function createAsyncCrafter(plan: AdversaryPlan | undefined, seed: number, dim: number): AsyncCrafter | undefined {
  if (!plan) return undefined;
  const attack = attackOf(plan.attack.kind);
  if (!attack.craft) return () => false;
  const scratch = createScratch();
  const base = { peers: plan.w.n, dim, seed, w: plan.w, adversarial: plan.mask, adversaries: plan.peers.length, scratch64: scratch.f64 };
  return (from, to, round, x, out) => {
    if (!plan.mask[from] || plan.mask[to] || round < plan.start) return false;
    attack.craft!(plan.attack as never, { ...base, round, x, from, to }, out);
    return true;
  };
}
