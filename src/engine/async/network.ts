// The simulated world of async mode: per-peer compute speeds (stragglers included), per-link
// latency and bandwidth, message loss and on/off churn. Every random draw comes from a stream
// named by its purpose and peer (or link), so one peer's draws never shift another's.
import type { AsyncTimeConfig, DistributionConfig } from '../../config/schema.js';
import { createRng, restoreStreams, streamStates, type Rng } from '../../rng.js';

export interface Network {
  /** mean wake interval of each peer */
  readonly interval: Float64Array;
  readonly stragglers: Uint8Array;
  /** next wake interval of peer p (exponential for poisson clocks, else the mean) */
  nextInterval(p: number): number;
  /** peer p's first wake-up: an interval, or for fixed clocks a share of it by p, so peers do not wake in lockstep */
  firstWake(p: number): number;
  /** time for `bytes` to go from i to j: latency of the link + bytes / bandwidth */
  transit(i: number, j: number, bytes: number): number;
  /** whether a message sent by p is lost on the way */
  dropped(p: number): boolean;
  /** whether peer p starts online, and the length of its next online / offline spell */
  startsOnline(p: number): boolean;
  spell(p: number, online: boolean): number;
  /** positions of every random stream, for checkpoints */
  snapshot(): { clocks: Uint32Array; drops: Uint32Array; churn: Uint32Array };
  restore(s: { clocks: Uint32Array; drops: Uint32Array; churn: Uint32Array }): void;
}

function speedFactor(d: DistributionConfig, rng: Rng): number {
  switch (d.kind) {
    case 'constant':
      return 1;
    case 'uniform':
      return 1 + d.spread * (2 * rng.next() - 1);
    case 'lognormal':
      // median 1
      return Math.exp(d.sigma * rng.normal());
    case 'exponential':
      return Math.max(1e-3, -Math.log(1 - rng.next()));
  }
}

function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}

export function createNetwork(t: AsyncTimeConfig, n: number, seed: number): Network {
  const interval = new Float64Array(n);
  const stragglers = new Uint8Array(n);
  if (t.stragglers && t.stragglers.fraction > 0) {
    const order = createRng(seed, 'async', 'stragglers').shuffle(Array.from({ length: n }, (_, i) => i));
    const k = Math.round(t.stragglers.fraction * n);
    for (const p of order.slice(0, k)) stragglers[p] = 1;
  }
  for (let p = 0; p < n; p++) {
    const speed = speedFactor(t.speed, createRng(seed, 'async', 'speed', p));
    interval[p] = (t.period / speed) * (stragglers[p] ? t.stragglers!.slowdown : 1);
  }
  const clocks = Array.from({ length: n }, (_, p) => createRng(seed, 'async', 'clock', p));
  const drops = Array.from({ length: n }, (_, p) => createRng(seed, 'async', 'drop', p));
  const churn = Array.from({ length: n }, (_, p) => createRng(seed, 'async', 'churn', p));
  const linkLatency = new Map<number, number>();
  const latencyOf = (i: number, j: number): number => {
    if (t.latencySpread === 0) return t.latency;
    const key = i * n + j;
    let l = linkLatency.get(key);
    if (l === undefined) {
      l = t.latency * (1 + t.latencySpread * (2 * createRng(seed, 'async', 'link', i, j).next() - 1));
      linkLatency.set(key, l);
    }
    return l;
  };
  const nextInterval = (p: number) => (t.clock === 'poisson' ? exponential(clocks[p], interval[p]) : interval[p]);
  return {
    interval,
    stragglers,
    nextInterval,
    firstWake: (p) => nextInterval(p) * (t.clock === 'fixed' ? (p + 0.5) / n : 1),
    transit: (i, j, bytes) => latencyOf(i, j) + (t.bandwidth ? bytes / t.bandwidth : 0),
    dropped: (p) => t.drop > 0 && drops[p].next() < t.drop,
    startsOnline: (p) => !t.churn || churn[p].next() < t.churn.meanOnline / (t.churn.meanOnline + t.churn.meanOffline),
    spell: (p, online) => exponential(churn[p], online ? t.churn!.meanOnline : t.churn!.meanOffline),
    snapshot: () => ({ clocks: streamStates(clocks), drops: streamStates(drops), churn: streamStates(churn) }),
    restore(s) {
      restoreStreams(clocks, s.clocks);
      restoreStreams(drops, s.drops);
      restoreStreams(churn, s.churn);
    },
  };
}
