// The simulator's churn (time.churn) live: every process takes its peers offline and online on
// their seeded spells in wall-clock time, so peers are online at the same virtual times as in the
// simulator; an offline peer does not wake and what is sent to it is dropped and counted.
import { describe, expect, it } from 'vitest';
import { asyncLiveIssues } from '../../src/live/async/support.js';
import { runRecorded, smallConfig } from '../engine/helpers.js';
import { runAsyncLive } from './async-helpers.js';

describe('live asynchronous gossip learning under simulated churn', { timeout: 60_000 }, () => {
  it('takes peers offline and online at the simulator\'s virtual times, drops what is sent to them, and learns as the simulator does', async () => {
    const config = smallConfig({
      rounds: 20, train: { lr: 0.5, batchSize: 16 }, protocol: { kind: 'gossip-learning', variant: 'push-pull' },
      time: { mode: 'async', period: 0.25, churn: { meanOnline: 4, meanOffline: 2 } }, eval: { every: 2, testExamples: 500 },
    });
    expect(asyncLiveIssues(config, 3)).toEqual([]);
    const live = await runAsyncLive(config, 3, { timeScaleMs: 100 });
    const sim = await runRecorded(config);
    // the same schedule, whatever process hosts the peer
    expect(live.rounds.map((m) => m.peersOnline)).toEqual(sim.rounds.map((m) => m.peersOnline));
    expect(new Set(live.rounds.map((m) => m.peersOnline)).size).toBeGreaterThan(2);
    expect(live.peers.map((p) => p.online)).toEqual(sim.peers.map((p) => p.online));
    // no loss in memory: every drop is a message to an offline peer
    const s = live.summary;
    expect(s.messagesDropped! / s.messagesSent!).toBeGreaterThan(0.1);
    expect(Math.abs(s.messagesDropped! / s.messagesSent! - sim.summary.messagesDropped! / sim.summary.messagesSent!)).toBeLessThan(0.1);
    expect(s.messagesSent).toBe(s.messagesDelivered! + s.messagesDropped!);
    // offline peers do not wake: about as many messages as the simulator
    expect(Math.abs(s.messagesSent! - sim.summary.messagesSent!) / sim.summary.messagesSent!).toBeLessThan(0.1);
    // the learning curve's height (mean accuracy over the evaluations), less noisy than one point of it
    const curve = (r: typeof live.rounds) => r.reduce((t, m) => t + (m.meanAccuracy ?? 0), 0) / r.filter((m) => m.meanAccuracy !== undefined).length;
    console.log(`churn 4/2 over 3 processes in memory: accuracy curve live ${curve(live.rounds).toFixed(3)}, simulator ${curve(sim.rounds).toFixed(3)}; at 20 ${live.rounds.at(-1)!.meanAccuracy!.toFixed(3)} and ${sim.rounds.at(-1)!.meanAccuracy!.toFixed(3)}; dropped ${s.messagesDropped}/${s.messagesSent} live, ${sim.summary.messagesDropped}/${sim.summary.messagesSent} simulator`);
    // chance is 0.25; on a quiet machine the curves are within 0.03 (a loaded one runs the clocks ahead of the work)
    expect(curve(live.rounds)).toBeGreaterThan(0.35);
    // processes were all up: no processesOnline
    expect(live.rounds.every((m) => m.processesOnline === undefined)).toBe(true);
  });
});
