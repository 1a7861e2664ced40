// Epsilon on evaluation rounds: each peer's guarantee after its own local steps at its own sampling
// rate (shards differ in size), and the round's figure, the largest over the honest peers.
import type { World } from '../engine/setup.js';
import type { PeerMetrics, RoundMetrics } from '../engine/events.js';
import { PrivacyAccountant, samplingRate } from './accountant.js';

export interface PrivacyReport {
  round: Pick<RoundMetrics, 'epsilon'>;
  peers: Pick<PeerMetrics, 'epsilon'>;
}

// one accountant per world, so its per-rate RDP cache lives as long as the run
const accountants = new WeakMap<World, PrivacyAccountant>();

/** The accountant of a world with privacy.dp (undefined without). */
export function accountantOf(world: World): PrivacyAccountant | undefined {
  const spec = world.config.privacy;
  if (!spec) return undefined;
  let a = accountants.get(world);
  if (!a) accountants.set(world, (a = new PrivacyAccountant(spec)));
  return a;
}

/** Epsilon per peer and its maximum over honest peers; empty objects without privacy. Noise 0 gives Infinity (null in JSON). */
export function privacyReport(world: World): PrivacyReport {
  const accountant = accountantOf(world);
  if (!accountant) return { round: {}, peers: {} };
  const { stepCount, partOffsets } = world.state;
  const batch = world.config.train.batchSize;
  const epsilon = Array.from(stepCount, (steps, p) => accountant.epsilon(samplingRate(batch, partOffsets[p + 1] - partOffsets[p]), steps));
  // adversaries' own data is not what the guarantee protects
  const max = world.honest.reduce((m, p) => Math.max(m, epsilon[p]), 0);
  return { round: { epsilon: max }, peers: { epsilon } };
}
