// Each process of a live asynchronous gossip run keeps its own lines: its slice's lines of
// peers.jsonl put end to end are the observer's peers.jsonl byte for byte (wake-ups, messages
// sent, churn and bytes included), and its links are the observer's rows for it.
import { describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../../src/config/schema.js';
import type { PeerMetrics } from '../../src/engine/events.js';
import { AsyncLiveNode } from '../../src/live/async/node.js';
import { AsyncLiveObserver } from '../../src/live/async/observer.js';
import { AsyncRoundPeers } from '../../src/live/async/peer-line.js';
import type { PeerSliceLine } from '../../src/live/peer-files.js';
import { json } from '../../src/cli/run-writer.js';
import { smallConfig } from '../engine/helpers.js';
import { joined, runWithFiles, type Recorded } from './peer-files-helpers.js';

/** An asynchronous live run in memory whose nodes keep their own lines, as `plexus node --out` writes them. */
function runAsyncWithFiles(config: ExperimentConfig, processes: number, o: { timeScaleMs: number; emulateNetwork?: boolean }): Promise<Recorded> {
  return runWithFiles(processes, {
    node: (transport, listeners) => AsyncLiveNode.create(config, { ...o, transport, processes, ...listeners }),
    observer: (transport) => AsyncLiveObserver.create(config, { ...o, transport, processes, transportName: 'memory' }),
    peers: (world) => new AsyncRoundPeers(world),
  });
}

// wall-clock runs: the timeout is a backstop for a loaded machine
describe('an asynchronous live process\'s own peers lines', { timeout: 60_000 }, () => {
  it('joined over 3 processes are the observer\'s peers.jsonl byte for byte, under churn and emulated latency and drop', async () => {
    const config = smallConfig({
      rounds: 10, train: { lr: 0.5, batchSize: 16 }, protocol: { kind: 'gossip-learning', variant: 'push-pull' },
      time: { mode: 'async', period: 0.25, latency: 0.3, drop: 0.1, churn: { meanOnline: 3, meanOffline: 1 } },
      eval: { every: 2, testExamples: 300, atStart: true },
    });
    const run = await runAsyncWithFiles(config, 3, { timeScaleMs: 50, emulateNetwork: true });
    const lines = run.observer.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(joined(run.processes)).toBe(run.observer);
    // the fields only the asynchronous line has are there and vary: the slices carry them
    const last = JSON.parse(lines.at(-1)!) as PeerMetrics;
    expect(last.wakeups!.every((w) => w > 0)).toBe(true);
    expect(last.messagesSent!.every((m) => m > 0)).toBe(true);
    expect(last.bytesSent.every((b) => b > 0)).toBe(true);
    expect(lines.some((l) => (JSON.parse(l) as PeerMetrics).online!.includes(false))).toBe(true);
    run.processes.forEach((f, k) => {
      const [a, b] = run.summary.live!.slices[k];
      for (const l of f.trim().split('\n')) {
        const line = JSON.parse(l) as PeerSliceLine;
        expect(line.first).toBe(a);
        expect(line.wakeups).toHaveLength(b - a);
      }
    });
    // each process's links are the observer's rows from it, byte for byte
    run.links.forEach((rows, k) => expect(json(rows)).toBe(json(run.summary.live!.links.filter((l) => l.from === k))));
    expect(run.links.every((rows) => rows.length === 3)).toBe(true);
    expect(run.accounts.map((a) => [a.slice, a.firstRound, a.lastRound, a.lost])).toEqual(run.summary.live!.slices.map((s) => [s, 0, 10, []]));
  });
});
