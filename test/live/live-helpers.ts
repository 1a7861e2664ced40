// Live runs inside one test process: P nodes and an observer over the in-memory transport,
// recording the observer's events as runRecorded records the engine's.
import type { ExperimentConfig } from '../../src/config/schema.js';
import type { PeerMetrics, RoundMetrics, RunSummary } from '../../src/engine/events.js';
import { LiveNode } from '../../src/live/node.js';
import { LiveObserver } from '../../src/live/observer.js';
import { createMemoryHub } from '../../src/live/transport/memory.js';
import type { Transport } from '../../src/live/transport/types.js';

export interface LiveRecorded {
  rounds: RoundMetrics[];
  peers: PeerMetrics[];
  summary: RunSummary;
}

/**
 * config run live by `processes` nodes (inline, or each with a pool of `workers` threads) and an
 * observer, all in this process; `wrap` may stand between a member and its transport (to watch its frames).
 */
export async function runLive(
  config: ExperimentConfig, processes: number, opts: { workers?: number; watch?: (observer: LiveObserver) => void; wrap?: (t: Transport) => Transport } = {},
): Promise<LiveRecorded> {
  const hub = createMemoryHub();
  const transports = Array.from({ length: processes + 1 }, (_, k) => (opts.wrap ?? ((t: Transport) => t))(hub.transport(k)));
  const nodes = await Promise.all(Array.from({ length: processes }, (_, k) => LiveNode.create(config, { transport: transports[k], processes, workers: opts.workers ?? 0 })));
  const observer = await LiveObserver.create(config, { transport: transports[processes], processes, transportName: 'memory' });
  const rounds: RoundMetrics[] = [];
  const peers: PeerMetrics[] = [];
  observer.on('round', (m) => rounds.push(m));
  observer.on('peers', (p) => peers.push(p));
  opts.watch?.(observer);
  const addresses = await Promise.all(transports.map((t) => t.start()));
  await Promise.all(transports.map((t) => t.connect(addresses)));
  try {
    const [summary] = await Promise.all([observer.run(), ...nodes.map((n) => n.run())]);
    return { rounds, peers, summary: summary as RunSummary };
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
    await observer.close();
    await Promise.all(transports.map((t) => t.close()));
  }
}
