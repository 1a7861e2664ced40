// A live asynchronous gossip run that loses a process goes on: the others drop (and count) what
// they send to its peers, as the simulator does for an offline peer, the measurement goes on over
// the live processes, and a process started again with the lost one's index rejoins.
import { describe, expect, it } from 'vitest';
import type { PeerMetrics, RoundMetrics, RunSummary } from '../../src/engine/events.js';
import type { ExperimentConfig } from '../../src/config/schema.js';
import { AsyncLiveNode } from '../../src/live/async/node.js';
import { AsyncLiveObserver } from '../../src/live/async/observer.js';
import { createMemoryHub } from '../../src/live/transport/memory.js';
import type { Transport } from '../../src/live/transport/types.js';
import { smallConfig } from '../engine/helpers.js';

/** 12 peers on a ring over 3 processes, each waking 4 times a unit, push-pull. */
function gossipConfig(rounds: number): ExperimentConfig {
  return smallConfig({
    peers: 12, rounds, train: { lr: 0.5, batchSize: 16 }, protocol: { kind: 'gossip-learning', variant: 'push-pull' },
    time: { mode: 'async', period: 0.25 }, eval: { every: 2, testExamples: 500 },
  });
}

/** A transport that dies: it closes, and from then on sends nothing and hears nothing, as a killed process's. */
function killable(t: Transport, observer: number): { transport: Transport; kill(): Promise<void>; hang(): void } {
  let dead = false;
  const lost: ((p: number) => void)[] = [];
  return {
    transport: {
      ...t,
      self: t.self,
      send: (to, f) => (dead ? Promise.reject(new Error('killed')) : t.send(to, f)),
      onFrame: (h) => t.onFrame((from, f) => !dead && h(from, f)),
      onDisconnect: (h) => (lost.push(h), t.onDisconnect(h)),
      start: () => t.start(),
      connect: (a) => t.connect(a),
      stats: () => t.stats(),
      close: () => t.close(),
    },
    async kill() {
      dead = true;
      await t.close();
      for (const h of lost) h(observer); // the node itself stops, as when it loses the observer
    },
    /** silent but connected, as a process stopped (SIGSTOP) or stuck: only timeouts tell */
    hang() {
      dead = true;
      for (const h of lost) h(observer);
    },
  };
}

interface Run {
  rounds: RoundMetrics[];
  peers: PeerMetrics[];
  warnings: string[];
  summary: RunSummary;
  /** how the restarted process ended */
  again?: string;
}

/** `config` live over 3 processes in memory (100 ms a unit); process `victim` killed at time `at`, started again at `rejoinAt`. */
async function runKilling(config: ExperimentConfig, victim: number, at: number, rejoinAt?: number, how: 'kill' | 'hang' = 'kill', timeoutMs = 3000): Promise<Run> {
  const P = 3;
  const hub = createMemoryHub();
  const handles = Array.from({ length: P + 1 }, (_, k) => killable(hub.transport(k), P));
  const transports = handles.map((h) => h.transport);
  const o = { processes: P, timeScaleMs: 100, timeoutMs };
  const nodes = await Promise.all(Array.from({ length: P }, (_, k) => AsyncLiveNode.create(config, { ...o, transport: transports[k] })));
  const observer = await AsyncLiveObserver.create(config, { ...o, transport: transports[P], transportName: 'memory' });
  const run: Omit<Run, 'summary'> = { rounds: [], peers: [], warnings: [] };
  let again: AsyncLiveNode | undefined;
  let rejoined: Promise<string> | undefined;
  observer.on('round', (m) => {
    run.rounds.push(m);
    if (m.round === at) void (how === 'kill' ? handles[victim].kill() : handles[victim].hang());
    if (m.round === rejoinAt) {
      const t = hub.transport(victim);
      rejoined = AsyncLiveNode.create(config, { ...o, transport: t }).then(async (node) => {
        again = node;
        return node.rejoin(addresses, await t.start());
      });
    }
  });
  observer.on('peers', (p) => run.peers.push(p));
  observer.on('warning', (w) => run.warnings.push(w));
  const addresses = await Promise.all(transports.map((t) => t.start()));
  await Promise.all(transports.map((t) => t.connect(addresses)));
  try {
    const runs = nodes.map((n, k) => (k === victim ? n.run().catch(() => 'killed') : n.run()));
    const [summary, ...ends] = await Promise.all([observer.run(), ...runs]);
    expect(ends.filter((e, k) => k !== victim)).toEqual(['done', 'done']);
    return { ...run, summary, again: rejoined && (await rejoined) };
  } finally {
    await again?.close();
    await Promise.all(nodes.map((n) => n.close()));
    await observer.close();
    await Promise.all(transports.map((t) => t.close()));
  }
}

/**
 * Every message arrived or was dropped, but for those on their way to the process when it died
 * (neither): a handful, more on a loaded machine, where the others notice the loss later.
 */
function inFlightAtTheLoss(s: RunSummary): void {
  const lostInFlight = s.messagesSent! - s.messagesDelivered! - s.messagesDropped!;
  expect(lostInFlight).toBeGreaterThanOrEqual(0);
  expect(lostInFlight).toBeLessThan(0.05 * s.messagesSent!);
}

const accuracy = (run: Run, t: number) => run.rounds.find((m) => m.round === t)!.meanAccuracy!;

// wall-clock runs: the timeout is a backstop for a loaded machine
describe('a live asynchronous gossip run that loses a process', { timeout: 60_000 }, () => {
  it('goes on with the others to its end: they drop what they send to the lost peers, learn, and the metrics say who was online', async () => {
    const run = await runKilling(gossipConfig(24), 1, 4);
    console.log(`killed at time 4 of 24: accuracy ${accuracy(run, 4).toFixed(3)} at 4, ${accuracy(run, 24).toFixed(3)} at 24; ${run.summary.messagesDropped} of ${run.summary.messagesSent} messages dropped`);
    expect(run.rounds.map((m) => m.virtualTime)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(run.summary.aborted).toBe(false);
    expect(run.rounds.filter((m) => m.round <= 4).every((m) => m.peersOnline === 12 && m.processesOnline === undefined)).toBe(true);
    const after = run.rounds.filter((m) => m.round > 6);
    expect(after.every((m) => m.peersOnline === 8 && m.processesOnline === 2)).toBe(true);
    // the chain over processes 0 and 2 measures the consensus again
    expect(after.every((m) => Number.isFinite(m.consensusDistance))).toBe(true);
    // peers 3 and 8 send to 4 and 7 (ring k=1): those messages are dropped, counted, as to an offline peer in the simulator
    const dropped = (t: number) => run.rounds[t - 1].messagesDropped!;
    expect(dropped(24) - dropped(8)).toBeGreaterThan(10);
    inFlightAtTheLoss(run.summary);
    // the survivors keep learning (chance 0.25; about 0.8 on a quiet machine, less when it is loaded and the clocks run ahead of the work)
    expect(accuracy(run, 24)).toBeGreaterThan(Math.max(0.45, accuracy(run, 4)));
    const last = run.peers.at(-1)!;
    expect(last.online).toEqual([...Array(4).fill(true), ...Array(4).fill(false), ...Array(4).fill(true)]);
    expect(last.accuracy!.slice(4, 8).every((a) => a === null || Number.isNaN(a))).toBe(true);
    expect(run.summary.live?.lost?.map((l) => l.process)).toEqual([1]);
    expect(run.summary.live?.rejoined).toBeUndefined();
    expect(run.warnings.join('\n')).toMatch(/process 1 \(peers 4\.\.7\) lost at time \d+/);
  });

  it('goes on without a process that hangs, connected but silent, once it misses the chain\'s timeout and a ping', async () => {
    const run = await runKilling(gossipConfig(30), 0, 4, undefined, 'hang', 1000);
    expect(run.rounds.map((m) => m.virtualTime)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(run.warnings.join('\n')).toMatch(/process 0 \(peers 0\.\.3\) lost at time \d+: process \d heard nothing from it in time/);
    expect(run.rounds.at(-1)).toMatchObject({ peersOnline: 8, processesOnline: 2 });
    expect(Number.isFinite(run.rounds.at(-1)!.consensusDistance)).toBe(true);
    expect(run.summary.live?.lost?.map((l) => l.process)).toEqual([0]);
  });

  it('takes back a process started again with its index: its peers learn from their neighbours, and all are online at the end', async () => {
    const run = await runKilling(gossipConfig(30), 2, 4, 10);
    expect(run.again).toBe('done');
    console.log(`killed at 4, rejoined at ${run.summary.live!.rejoined![0].round} of 30: accuracy ${accuracy(run, 30).toFixed(3)}, the rejoined peers ${run.peers.at(-1)!.accuracy!.slice(8).map((a) => a!.toFixed(2)).join(' ')}`);
    expect(run.rounds.map((m) => m.virtualTime)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const j = run.summary.live!.rejoined![0].round;
    expect(run.summary.live?.lost?.map((l) => l.process)).toEqual([2]);
    expect(run.summary.live?.rejoined?.map((l) => l.process)).toEqual([2]);
    expect(j).toBeGreaterThan(10);
    expect(j).toBeLessThan(20);
    expect(run.rounds.some((m) => m.processesOnline === 2)).toBe(true);
    expect(run.rounds.filter((m) => m.round >= j).every((m) => m.peersOnline === 12 && m.processesOnline === 3)).toBe(true);
    expect(run.warnings.join('\n')).toMatch(new RegExp(`process 2 rejoined: its peers take part again from time ${j}`));
    // the restarted peers start from the initial model at age 0: the first model they receive replaces theirs
    const last = run.peers.at(-1)!;
    expect(last.online!.every(Boolean)).toBe(true);
    const rejoinedAcc = last.accuracy!.slice(8, 12) as number[];
    expect(Math.min(...rejoinedAcc)).toBeGreaterThan(0.4);
    inFlightAtTheLoss(run.summary);
  });
});
