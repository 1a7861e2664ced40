// Gossip learning: the age-weighted merge, what each variant sends per wake-up, and that it learns.
import { describe, expect, it } from 'vitest';
import { ageWeight } from '../../src/protocol/gossip-learning.js';
import { runRecorded, smallConfig } from '../engine/helpers.js';

describe('gossip learning', () => {
  it('weighs the incoming model by its share of the two ages', () => {
    expect(ageWeight(0, 0)).toBe(0.5);
    expect(ageWeight(3, 1)).toBe(0.25);
    expect(ageWeight(0, 5)).toBe(1);
    expect(ageWeight(5, 0)).toBe(0);
  });

  for (const [variant, perWake, bytesPerWake] of [
    ['push', 1, (dim: number) => dim * 4 + 8],
    ['pull', 2, (dim: number) => dim * 4 + 8 + 16],
    ['push-pull', 2, (dim: number) => 2 * (dim * 4 + 8)],
  ] as const) {
    it(`${variant}: sends ${perWake} message(s) per wake-up, all delivered without faults`, async () => {
      const { rounds, peers, engine } = await runRecorded(smallConfig({
        rounds: 10, protocol: { kind: 'gossip-learning', variant }, time: { mode: 'async', clock: 'fixed', latency: 0.01 },
      }));
      const wakeups = peers.at(-1)!.wakeups!.reduce((a, b) => a + b, 0);
      const last = rounds.at(-1)!;
      expect(wakeups).toBe(16 * 10); // fixed clocks: one wake-up per peer per unit
      // replies to the last wake-ups may still be in flight at the end
      expect(last.messagesSent).toBeLessThanOrEqual(perWake * wakeups);
      expect(last.messagesSent).toBeGreaterThan(perWake * wakeups - 16 * perWake);
      expect(last.messagesDropped).toBe(0);
      expect(last.messagesDelivered).toBeGreaterThanOrEqual(last.messagesSent! - 16 * perWake);
      expect(last.bytesSent).toBeLessThanOrEqual(wakeups * bytesPerWake(engine.world.state.dim));
    });
  }

  it('learns: accuracy well above chance on blobs, like D-PSGD with as many local steps', async () => {
    const gossip = await runRecorded(smallConfig({ rounds: 200, protocol: 'gossip-learning', time: 'async' }));
    const dpsgd = await runRecorded(smallConfig({ rounds: 200, protocol: 'dpsgd' }));
    expect(gossip.summary.finalMeanAccuracy).toBeGreaterThan(0.6); // 4 classes: chance is 0.25
    expect(gossip.summary.finalMeanAccuracy).toBeGreaterThan(0.9 * dpsgd.summary.finalMeanAccuracy);
  });
});
