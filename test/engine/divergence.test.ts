// Divergence is detected the same way whatever blows up: the run stops at the first round whose
// parameters (or loss) are non-finite or exploded, with a DivergenceError naming it, before that
// round is reported.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { RoundMetrics } from '../../src/engine/events.js';
import { DivergenceError } from '../../src/errors.js';
import { checkDivergence, EXPLODED_RMS } from '../../src/metrics/divergence.js';
import { smallConfig } from './helpers.js';

async function diverge(lr: number, workers = 0): Promise<{ error: unknown; rounds: RoundMetrics[] }> {
  const engine = await Engine.create(smallConfig({ rounds: 30, model: { kind: 'mlp', hidden: [16] }, train: { lr, batchSize: 16 } }), { workers });
  const rounds: RoundMetrics[] = [];
  engine.on('round', (m) => rounds.push(m));
  try {
    await engine.run();
    return { error: undefined, rounds };
  } catch (error) {
    return { error, rounds };
  } finally {
    await engine.close();
  }
}

describe('divergence', () => {
  for (const lr of [1e30, 1e6]) {
    it(`stops a run with lr ${lr} at its first bad round, never reporting a non-finite or exploded round`, async () => {
      const { error, rounds } = await diverge(lr);
      expect(error).toBeInstanceOf(DivergenceError);
      const round = (error as DivergenceError).round;
      expect((error as Error).message).toMatch(new RegExp(`^training diverged at round ${round}: .*; try a smaller train.lr$`));
      expect(rounds.length).toBe(round - 1);
      for (const m of rounds) expect(Number.isFinite(m.consensusDistance)).toBe(true);
    });
  }

  it('says the same when the loss blows up within a round (several local steps)', async () => {
    const engine = await Engine.create(smallConfig({ rounds: 5, model: { kind: 'mlp', hidden: [16] }, train: { lr: 1e30, batchSize: 16, localSteps: 4 } }), { workers: 0 });
    const rounds: RoundMetrics[] = [];
    engine.on('round', (m) => rounds.push(m));
    await expect(engine.run()).rejects.toThrow(/^training diverged at round 1: the training loss is (NaN|Infinity|-Infinity) \(peer \d+\); try a smaller train.lr$/);
    expect(rounds).toEqual([]);
    await engine.close();
  });

  it('names the same round with 2 workers', async () => {
    const inline = await diverge(1e6, 0);
    const pool = await diverge(1e6, 2);
    expect((pool.error as DivergenceError).round).toBe((inline.error as DivergenceError).round);
  });

  it('lets a normal run through', async () => {
    expect((await diverge(0.1)).error).toBeUndefined();
  });

  it('draws the line at a root-mean-square parameter of EXPLODED_RMS, and at non-finite losses', () => {
    const dim = 10;
    expect(() => checkDivergence(3, EXPLODED_RMS ** 2 * dim * 0.99, 0, dim)).not.toThrow();
    expect(() => checkDivergence(3, EXPLODED_RMS ** 2 * dim * 0.5, EXPLODED_RMS ** 2 * dim * 0.6, dim)).toThrow(/round 3: parameters exploded/);
    expect(() => checkDivergence(4, NaN, 0, dim)).toThrow(/round 4: parameters are no longer finite numbers/);
    expect(() => checkDivergence(5, 1, 1, dim, Infinity)).toThrow(/round 5: the test loss is Infinity/);
  });
});
