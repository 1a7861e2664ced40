// Asynchronous gossip learning live, in real time: every peer wakes on its own wall-clock timer and
// runs the simulator's gossip-learning module, its messages frames between processes (here in
// memory). Its learning tracks the simulator's async mode at the same virtual time, its message
// counts add up, and with the config's latency and drop emulated by the senders it tracks the
// simulator given that latency and drop.
import { describe, expect, it } from 'vitest';
import type { RoundMetrics } from '../../src/engine/events.js';
import { asyncLiveIssues } from '../../src/live/async/support.js';
import { gossipFrame, readGossip } from '../../src/live/async/messages.js';
import { runRecorded, smallConfig } from '../engine/helpers.js';
import { runAsyncLive } from './async-helpers.js';

/** 16 peers on a ring, each waking 4 times per time unit, push-pull: learns within 20 units (2 s at 100 ms a unit). */
function gossipConfig(time: Record<string, unknown> = {}, over: Record<string, unknown> = {}) {
  return smallConfig({
    rounds: 20, train: { lr: 0.5, batchSize: 16 }, protocol: { kind: 'gossip-learning', variant: 'push-pull' },
    time: { mode: 'async', period: 0.25, ...time }, eval: { every: 2, testExamples: 500, atStart: true }, ...over,
  });
}

const accuracyAt = (rounds: RoundMetrics[], t: number) => rounds.find((m) => m.round === t)!.meanAccuracy!;

/** Mean accuracy over a run's evaluations after the start (every 2 units): the learning curve's height, less noisy than one point of it. */
function curve(rounds: RoundMetrics[]): number {
  const acc = rounds.filter((m) => m.meanAccuracy !== undefined && m.round > 0).map((m) => m.meanAccuracy!);
  return acc.reduce((a, b) => a + b, 0) / acc.length;
}

// wall-clock runs: the timeout is a backstop for a loaded machine
describe('live asynchronous gossip learning', { timeout: 60_000 }, () => {
  it('learns in real time over 2 processes as the simulator does at the same virtual time, and its message counts add up', async () => {
    const config = gossipConfig();
    const t0 = performance.now();
    const live = await runAsyncLive(config, 2, { timeScaleMs: 100 });
    const seconds = (performance.now() - t0) / 1000;
    const sim = await runRecorded(config);
    // 20 units of 100 ms: about 2 s of wall clock
    expect(seconds).toBeGreaterThan(1.9);
    expect(live.rounds.map((m) => m.virtualTime)).toEqual(sim.rounds.map((m) => m.virtualTime));
    // chance is 0.25 (4 classes); the simulator reaches 0.81 at time 20 here
    const acc = accuracyAt(live.rounds, 20);
    expect(acc).toBeGreaterThan(0.65);
    console.log(`no conditions, 2 processes in memory: accuracy at time 20 live ${acc.toFixed(3)}, simulator ${accuracyAt(sim.rounds, 20).toFixed(3)}; curve ${curve(live.rounds).toFixed(3)} against ${curve(sim.rounds).toFixed(3)}; ${live.summary.messagesSent} messages against ${sim.summary.messagesSent}`);
    expect(Math.abs(curve(live.rounds) - curve(sim.rounds))).toBeLessThan(0.1);
    expect(live.summary.finalMeanAccuracy).toBe(acc);
    for (const m of live.rounds) {
      expect(m.peersOnline).toBe(16);
      // sent = delivered + dropped + in flight, in flight >= 0 on every line
      expect(m.messagesDelivered! + m.messagesDropped!).toBeLessThanOrEqual(m.messagesSent!);
      expect(m.consensusDistance).toBeGreaterThanOrEqual(0);
    }
    const s = live.summary;
    // after the drain nothing is in flight: every message arrived (no loss in memory)
    expect(s.messagesSent).toBe(s.messagesDelivered! + s.messagesDropped!);
    expect(s.messagesDropped).toBe(0);
    // the simulator's clocks: about as many messages (wake-ups and the replies to them)
    expect(Math.abs(s.messagesSent! - sim.summary.messagesSent!) / sim.summary.messagesSent!).toBeLessThan(0.05);
    expect(s.bytesSent).toBe(live.rounds.at(-1)!.bytesSent);
    expect(s.live?.processes).toBe(2);
    expect(s.live?.links.find((l) => l.from === 0 && l.to === 1)?.rttMs).toBeGreaterThan(0);
    expect(live.ends).toEqual(['done', 'done']);
    const peers = live.peers.at(-1)!;
    expect(peers.wakeups!.reduce((a, b) => a + b, 0)).toBeGreaterThan(16 * 20 * 4 * 0.8);
    expect(peers.accuracy).toHaveLength(16);
  });

  it('with the config\'s latency and drop emulated by the senders, tracks the simulator given the same latency and drop', async () => {
    const config = gossipConfig({ latency: 0.5, drop: 0.2 });
    const live = await runAsyncLive(config, 3, { timeScaleMs: 100, emulateNetwork: true });
    const sim = await runRecorded(config);
    const clean = await runRecorded(gossipConfig());
    // the network's conditions cost the simulator accuracy (a curve of mean 0.46 against 0.68): the margin below tells them apart
    const [liveAcc, simAcc, cleanAcc] = [curve(live.rounds), curve(sim.rounds), curve(clean.rounds)];
    expect(cleanAcc - simAcc).toBeGreaterThan(0.15);
    console.log(`emulated latency 0.5, drop 0.2 in memory: mean accuracy over time 2..20 live ${liveAcc.toFixed(3)}, simulator ${simAcc.toFixed(3)} (${cleanAcc.toFixed(3)} without them)`);
    expect(Math.abs(liveAcc - simAcc)).toBeLessThan(0.1);
    const s = live.summary;
    expect(s.messagesDropped! / s.messagesSent!).toBeGreaterThan(0.15);
    expect(s.messagesDropped! / s.messagesSent!).toBeLessThan(0.25);
    expect(s.messagesSent).toBe(s.messagesDelivered! + s.messagesDropped!);
    // half a unit of latency: messages are in flight at every measurement
    expect(live.rounds.slice(1).every((m) => m.messagesSent! - m.messagesDelivered! - m.messagesDropped! > 0)).toBe(true);
    expect(live.warnings.some((w) => /emulated by the senders/.test(w))).toBe(true);
  });

  it('stops every process when the observer is interrupted, and ends with aborted: true', async () => {
    const config = gossipConfig({}, { rounds: 1000 });
    const live = await runAsyncLive(config, 2, { timeScaleMs: 20, watch: (o) => o.on('round', (m) => m.round === 5 && o.abort()) });
    expect(live.summary.aborted).toBe(true);
    expect(live.ends).toEqual(['stopped', 'stopped']);
    expect(live.rounds.at(-1)!.round).toBeLessThan(20);
  });

  it('carries a gossip message in a rows frame whole: the model, its age and the reply flag', () => {
    const model = Float32Array.from([1.5, -2, 3.25]);
    const f = gossipFrame(7, { from: 3, to: 9, kind: 'model', age: 12345678901, reply: true, model });
    expect([f.round, f.sender, f.receiver, f.kind]).toEqual([7, 3, 9, 1]);
    const m = readGossip(f, 3);
    expect({ ...m, model: Array.from(m.model!) }).toEqual({ from: 3, to: 9, kind: 'model', age: 12345678901, reply: true, model: [1.5, -2, 3.25] });
    const r = readGossip(gossipFrame(1, { from: 0, to: 1, kind: 'request', age: 0, reply: false }), 3);
    expect([r.kind, r.model]).toEqual(['request', undefined]);
    expect(() => readGossip({ ...f, payload: f.payload.subarray(0, 20) }, 3)).toThrow(/do all processes run the same config/);
  });

  it('says what does not run live asynchronously', () => {
    expect(asyncLiveIssues(gossipConfig(), 2)).toEqual([]);
    const issues = asyncLiveIssues(gossipConfig({}, { eval: { every: 2, testExamples: 500, averageModel: true } }), 40, 0);
    expect(issues.join('\n')).toMatch(/eval.averageModel: not measured/);
    expect(issues.join('\n')).toMatch(/--time-scale/);
    expect(issues.join('\n')).toMatch(/--processes: 40 processes for 16 peers/);
    expect(asyncLiveIssues(smallConfig(), 1).join('\n')).toMatch(/'dpsgd' is synchronous/);
  });
});
