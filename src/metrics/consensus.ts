// Consensus distance: the mean over peers of |x_i - x_bar|^2, the quantity gossip theory bounds
// (it shrinks by slem(W)^2 per round of pure averaging).
import type { Runtime } from '../engine/runtime.js';

export async function consensusDistance(runtime: Runtime, peers: number): Promise<number> {
  return (await runtime.totalDeviation()) / peers;
}
