// Consensus distance: the mean over peers of |x_i - x_bar|^2, the quantity gossip theory bounds
// (it shrinks by slem(W)^2 per round of pure averaging).
import type { Runtime } from '../engine/runtime.js';

/** Over the honest peers (all `peers` when there are no adversaries); leaves their mean in state.mean. */
export async function consensusDistance(runtime: Runtime, honest: number[], peers: number): Promise<number> {
  if (honest.length === peers) return (await runtime.totalDeviation()) / peers;
  return (await runtime.totalDeviation(honest)) / honest.length;
}
