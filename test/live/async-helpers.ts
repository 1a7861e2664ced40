// Live asynchronous gossip runs inside one test process: P nodes and an observer over the
// in-memory transport, recording the observer's events.
import type { ExperimentConfig } from '../../src/config/schema.js';
import type { PeerMetrics, RoundMetrics, RunSummary } from '../../src/engine/events.js';
import { runAsyncLiveNode } from '../../src/live/async/node.js';
import { runAsyncObserver, type AsyncLiveObserver } from '../../src/live/async/observer.js';
import { createMemoryHub } from '../../src/live/transport/memory.js';

export interface AsyncLiveRecorded {
  rounds: RoundMetrics[];
  peers: PeerMetrics[];
  warnings: string[];
  summary: RunSummary;
  /** how each node ended */
  ends: ('done' | 'stopped')[];
}

export async function runAsyncLive(config: ExperimentConfig, processes: number, opts: { timeScaleMs?: number; emulateNetwork?: boolean; watch?: (observer: AsyncLiveObserver) => void } = {}): Promise<AsyncLiveRecorded> {
  const hub = createMemoryHub();
  const transports = Array.from({ length: processes + 1 }, (_, k) => hub.transport(k));
  const rounds: RoundMetrics[] = [];
  const peers: PeerMetrics[] = [];
  const warnings: string[] = [];
  // every member takes frames before any transport starts; all connect once all have started
  let ready = 0;
  let go!: () => void;
  const all = new Promise<void>((res) => (go = res));
  const connect = async (k: number) => {
    await transports[k].start();
    if (++ready === processes + 1) go();
    await all;
    await transports[k].connect(transports.map((_, j) => [`memory:${j}`]));
  };
  const o = { processes, timeScaleMs: opts.timeScaleMs, emulateNetwork: opts.emulateNetwork };
  try {
    const [summary, ...ends] = await Promise.all([
      runAsyncObserver(config, { ...o, transport: transports[processes], transportName: 'memory' }, async (observer) => {
        observer.on('round', (m) => rounds.push(m));
        observer.on('peers', (p) => peers.push(p));
        observer.on('warning', (w) => warnings.push(w));
        opts.watch?.(observer);
        await connect(processes);
      }),
      ...Array.from({ length: processes }, (_, k) => runAsyncLiveNode(config, { ...o, transport: transports[k] }, () => connect(k))),
    ]);
    return { rounds, peers, warnings, summary: summary as RunSummary, ends: ends as ('done' | 'stopped')[] };
  } finally {
    await Promise.all(transports.map((t) => t.close()));
  }
}
