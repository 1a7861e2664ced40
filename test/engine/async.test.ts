// Async mode: the event-driven scheduler is deterministic under a seed (drops and churn included),
// offline peers neither send nor receive, message counts add up, and gossip-learning merges are
// convex combinations.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';
import { createAsyncDriver } from '../../src/engine/async/driver.js';
import { pairwiseOf, type PairwiseMerge } from '../../src/aggregation/index.js';
import { EventQueue } from '../../src/engine/async/event-queue.js';
import type { AsyncProtocol } from '../../src/protocol/index.js';
import { ring } from '../../src/topology/index.js';
import { runRecorded, smallConfig, stripTimes } from './helpers.js';

const asyncTime = { mode: 'async', drop: 0.3, latency: 0.2, latencySpread: 0.5, bandwidth: 2000, churn: { meanOnline: 4, meanOffline: 2 }, speed: { kind: 'lognormal', sigma: 0.3 }, stragglers: { fraction: 0.25, slowdown: 4 } };

function gossipConfig(over: Record<string, unknown> = {}) {
  return smallConfig({ rounds: 12, protocol: { kind: 'gossip-learning', variant: 'push-pull' }, time: asyncTime, ...over });
}

describe('event queue', () => {
  it('pops in time order, ties in insertion order', () => {
    const q = new EventQueue<{ time: number; id: number }>();
    [[3, 0], [1, 1], [2, 2], [1, 3], [0.5, 4], [3, 5]].forEach(([time, id]) => q.push({ time, id }));
    const out = [];
    while (q.size > 0) out.push(q.pop()!.id);
    expect(out).toEqual([4, 1, 3, 2, 0, 5]);
  });
});

// several whole runs per test, with faults: the timeout is a backstop for a loaded machine, not a speed limit
describe('async mode', { timeout: 60_000 }, () => {
  it('gives identical metrics for the same seed, with drops, churn, stragglers and latency', async () => {
    const a = await runRecorded(gossipConfig());
    const b = await runRecorded(gossipConfig());
    expect(stripTimes(a.rounds)).toEqual(stripTimes(b.rounds));
    expect(a.peers).toEqual(b.peers);
    const c = await runRecorded(gossipConfig({ seed: 8 }));
    expect(stripTimes(c.rounds)).not.toEqual(stripTimes(a.rounds));
    // drops and churn really happened
    const last = a.rounds.at(-1)!;
    expect(last.messagesDropped).toBeGreaterThan(0);
    expect(a.peers.at(-1)!.online!.some((o) => !o) || a.peers.some((p) => p.online!.some((o) => !o))).toBe(true);
  });

  it('reports virtual time and message counts that add up', async () => {
    const { rounds, summary } = await runRecorded(gossipConfig());
    rounds.forEach((m, i) => {
      expect(m.virtualTime).toBe(i + 1);
      expect(m.messagesDelivered! + m.messagesDropped!).toBeLessThanOrEqual(m.messagesSent!);
      if (i > 0) expect(m.messagesSent!).toBeGreaterThanOrEqual(rounds[i - 1].messagesSent!);
    });
    expect(summary.messagesSent).toBe(rounds.at(-1)!.messagesSent);
  });

  it('ignores --workers with a warning and runs inline', async () => {
    const { Engine } = await import('../../src/engine/engine.js');
    const engine = await Engine.create(gossipConfig({ rounds: 2 }), { workers: 2 });
    const warnings: string[] = [];
    engine.on('warning', (w) => warnings.push(w));
    try {
      await engine.run();
    } finally {
      await engine.close();
    }
    expect(engine.workers).toBe(0);
    expect(warnings).toContain('time.mode async runs inline on the main thread; --workers 2 is ignored');
  });

  it('keeps the network inside the convex hull of the initial models (merges are convex, lr 0)', async () => {
    const { Engine } = await import('../../src/engine/engine.js');
    const config = gossipConfig({ rounds: 20, train: { lr: 0, batchSize: 16 }, model: { kind: 'logistic', init: 'independent' }, time: { mode: 'async' } });
    const engine = await Engine.create(config, { workers: 0 });
    const rows = () => Array.from({ length: config.peers }, (_, p) => engine.peerParams(p));
    const before = rows();
    const dim = before[0].length;
    const lo = new Float32Array(dim).fill(Infinity);
    const hi = new Float32Array(dim).fill(-Infinity);
    for (const r of before) for (let c = 0; c < dim; c++) {
      lo[c] = Math.min(lo[c], r[c]);
      hi[c] = Math.max(hi[c], r[c]);
    }
    const rounds: number[] = [];
    engine.on('round', (m) => rounds.push(m.consensusDistance));
    await engine.run();
    const after = rows();
    await engine.close();
    for (const r of after) for (let c = 0; c < dim; c++) {
      expect(r[c]).toBeGreaterThanOrEqual(lo[c] - 1e-6);
      expect(r[c]).toBeLessThanOrEqual(hi[c] + 1e-6);
    }
    // and gossip shrinks the spread
    expect(rounds.at(-1)!).toBeLessThan(0.2 * rounds[0]);
  });

  it('the default merge (mean) is the convex combination (1 - a) x + a y, in place on the own row', () => {
    const x = new Float32Array([0, 1, 2, 3, 10, 10]);
    (pairwiseOf({ kind: 'mean' }) as PairwiseMerge)(x.subarray(4), new Float32Array([20, 0]), 0.25);
    expect(Array.from(x)).toEqual([0, 1, 2, 3, 12.5, 7.5]);
  });

  it('lets an offline peer neither send nor receive, and leaves its parameters alone', async () => {
    const n = 8;
    const dim = 3;
    const params = new Float32Array(n * dim).map((_, i) => i);
    const log: string[] = [];
    let driver: ReturnType<typeof createAsyncDriver>;
    const stub: AsyncProtocol = {
      kind: 'stub',
      async wake(p, ops) {
        expect(driver.peerCounters().online[p]).toBe(true);
        log.push(`w${p}`);
        ops.sendModel(p, ops.neighbours(p)[0], 0, false);
      },
      async receive(m, ops) {
        expect(driver.peerCounters().online[m.to]).toBe(true);
        ops.merge(m.to, m, 0.5);
        log.push(`r${m.to}`);
      },
    };
    driver = createAsyncDriver({
      time: resolveConfig({ ...smallConfig(), protocol: { kind: 'gossip-learning' }, time: { mode: 'async', latency: 0.3, churn: { meanOnline: 2, meanOffline: 2 } } }).time as never,
      topology: ring(n, 1), seed: 5, dim, protocol: stub, params: () => params, train: async () => undefined,
    });
    // a peer offline over a whole time unit keeps its row
    for (let t = 1; t <= 30; t++) {
      const offlineBefore = driver.peerCounters().online.map((o) => !o);
      const snapshot = Float32Array.from(params);
      const wasLog = log.length;
      await driver.advanceTo(t);
      const offlineAfter = driver.peerCounters().online.map((o) => !o);
      for (let p = 0; p < n; p++) {
        const stayedOffline = offlineBefore[p] && offlineAfter[p] && !log.slice(wasLog).some((e) => e === `r${p}` || e === `w${p}`);
        if (stayedOffline) expect(params.subarray(p * dim, (p + 1) * dim)).toEqual(snapshot.subarray(p * dim, (p + 1) * dim));
      }
    }
    const c = driver.counters();
    expect(c.messagesDropped).toBeGreaterThan(0); // lost to offline receivers
    expect(log.length).toBeGreaterThan(50);
  });

  it('rejects drop probability 1, synchronous protocols in async mode and async keys in sync mode', () => {
    const issues = (over: Record<string, unknown>) => {
      try {
        smallConfig(over);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).issues;
      }
      throw new Error('expected a ConfigError');
    };
    expect(issues({ protocol: 'gossip-learning', time: { mode: 'async', drop: 1 } })).toEqual([
      'time.drop: 1 is not a usable drop probability (every message would be lost, so peers never communicate); use a probability in [0, 1)',
    ]);
    expect(issues({ protocol: 'dpsgd', time: 'async' })[0]).toMatch(/^time\.mode: async runs event-driven protocols \(gossip-learning\), and dpsgd is synchronous/);
    expect(issues({ protocol: 'gossip-learning' })[0]).toMatch(/^protocol: gossip-learning runs on each peer's own clock; set time: \{ mode: async \}/);
    expect(issues({ time: { latency: 1 } })[0]).toBe('time.latency: only used with time.mode: async; remove it or set mode: async');
  });
});
