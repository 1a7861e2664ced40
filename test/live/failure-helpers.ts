// Live runs in memory that lose a process: a transport that can be killed (or hung), and a run
// whose victim is killed once the observer has heard a given round (and, optionally, restarted).
import { expect } from 'vitest';
import type { ExperimentConfig } from '../../src/config/schema.js';
import type { PeerMetrics, RoundMetrics, RunSummary } from '../../src/engine/events.js';
import { LiveNode } from '../../src/live/node.js';
import { LiveObserver } from '../../src/live/observer.js';
import { createMemoryHub } from '../../src/live/transport/memory.js';
import type { Transport } from '../../src/live/transport/types.js';

/** A transport that can be killed: it closes, and from then on sends nothing and hears nothing, as a killed process. */
function killable(t: Transport, observer: number): { transport: Transport; kill(): Promise<void>; hang(): void } {
  let dead = false;
  const lost: ((p: number) => void)[] = [];
  const transport: Transport = {
    self: t.self,
    start: () => t.start(),
    connect: (a) => t.connect(a),
    send: (to, f) => (dead ? Promise.reject(new Error('killed')) : t.send(to, f)),
    onFrame: (h) => t.onFrame((from, f) => !dead && h(from, f)),
    onDisconnect: (h) => (lost.push(h), t.onDisconnect(h)),
    stats: () => t.stats(),
    close: () => t.close(),
  };
  return {
    transport,
    async kill() {
      dead = true;
      await t.close();
      // the process itself is gone: its node stops as when it loses the observer
      for (const h of lost) h(observer);
    },
    /** silent but connected, as a process stopped (SIGSTOP) or stuck: only timeouts tell */
    hang() {
      dead = true;
      for (const h of lost) h(observer);
    },
  };
}

/** A transport made later (a restarted process's, once the killed one has left the hub), its handlers kept until then. */
function later(self: number): { transport: Transport; make(t: Transport): void } {
  let real: Transport | undefined;
  const frames: ((from: number, f: Parameters<Parameters<Transport['onFrame']>[0]>[1]) => void)[] = [];
  const lost: ((p: number) => void)[] = [];
  const must = () => real ?? (() => { throw new Error('not made yet'); })();
  return {
    transport: {
      self,
      start: () => must().start(),
      connect: (a) => must().connect(a),
      send: (to, f) => must().send(to, f),
      onFrame: (h) => frames.push(h),
      onDisconnect: (h) => lost.push(h),
      stats: () => real?.stats() ?? [],
      close: () => real?.close() ?? Promise.resolve(),
    },
    make(t) {
      real = t;
      for (const h of frames) t.onFrame(h);
      for (const h of lost) t.onDisconnect(h);
    },
  };
}

export interface FailedRun {
  rounds: RoundMetrics[];
  peers: PeerMetrics[];
  summary: RunSummary;
  warnings: string[];
}

/**
 * `config` live over `processes` in memory, process `victim` killed once the observer has heard
 * round `at`; with `rejoinAt`, started again (a new node, the same index) once it has heard that round.
 */
export async function runKilling(config: ExperimentConfig, processes: number, victim: number, at: number, rejoinAt?: number, how: 'kill' | 'hang' = 'kill', timeoutMs = 3000): Promise<FailedRun> {
  const hub = createMemoryHub();
  const handles = Array.from({ length: processes + 1 }, (_, k) => killable(hub.transport(k), processes));
  const transports = handles.map((h) => h.transport);
  const nodes = await Promise.all(Array.from({ length: processes }, (_, k) => LiveNode.create(config, { transport: transports[k], processes, timeoutMs })));
  const observer = await LiveObserver.create(config, { transport: transports[processes], processes, transportName: 'memory' });
  const out: Omit<FailedRun, 'summary'> = { rounds: [], peers: [], warnings: [] };
  // the restarted process's world is built beforehand: the others' rounds take milliseconds
  const restart = later(victim);
  const again = rejoinAt === undefined ? undefined : await LiveNode.create(config, { transport: restart.transport, processes, timeoutMs: 3000 });
  let rejoined: Promise<string> | undefined;
  observer.on('round', (m) => {
    out.rounds.push(m);
    if (m.round === at) void (how === 'kill' ? handles[victim].kill() : handles[victim].hang());
    if (m.round === rejoinAt) {
      restart.make(hub.transport(victim));
      rejoined = restart.transport.start().then((own) => again!.rejoin(addresses, own));
    }
  });
  observer.on('peers', (p) => out.peers.push(p));
  observer.on('warning', (w) => out.warnings.push(w));
  const addresses = await Promise.all(transports.map((t) => t.start()));
  await Promise.all(transports.map((t) => t.connect(addresses)));
  try {
    const runs = nodes.map((n, k) => (k === victim ? n.run().catch(() => 'killed' as const) : n.run()));
    const [summary, ...ends] = await Promise.all([observer.run(), ...runs]);
    expect(ends[victim]).toBe('killed');
    if (again) expect(await rejoined).toBe('done');
    return { ...out, summary: summary as RunSummary };
  } finally {
    await again?.close();
    await restart.transport.close();
    await Promise.all(nodes.map((n) => n.close()));
    await observer.close();
    await Promise.all(transports.map((t) => t.close()));
  }
}
