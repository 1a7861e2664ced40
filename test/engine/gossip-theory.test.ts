// With lr 0 and independent initialisations, D-PSGD is pure gossip averaging x <- W x, so the
// consensus distance must shrink by slem(W)^2 per round once the slowest mode dominates,
// and the network average must be conserved exactly (W is doubly stochastic).
import { describe, expect, it } from 'vitest';
import { smallConfig, runRecorded } from './helpers.js';

describe('pure gossip averaging', () => {
  for (const [topology, mixing] of [
    [{ kind: 'ring', k: 1 }, 'metropolis'],
    [{ kind: 'ring', k: 2 }, 'uniform'],
    [{ kind: 'torus', rows: 4, cols: 6 }, 'metropolis'],
    [{ kind: 'erdos-renyi', p: 0.15 }, 'metropolis'],
  ] as const) {
    it(`decays at the rate slem^2 predicts on ${topology.kind} with ${mixing} weights`, async () => {
      const peers = topology.kind === 'torus' ? 24 : 24;
      const config = smallConfig({
        peers,
        rounds: 80,
        topology,
        mixing,
        train: { lr: 0, batchSize: 16 },
        model: { kind: 'logistic', init: 'independent' },
        eval: { every: 1000, testExamples: 100 },
      });
      const { rounds, summary } = await runRecorded(config);
      const rate = summary.slem ** 2;
      expect(rate).toBeGreaterThan(0);
      expect(rate).toBeLessThan(1);
      const d = rounds.map((r) => r.consensusDistance);
      // per-round ratio over the last 20 rounds, where the slowest mode dominates
      const observed = Math.pow(d[79] / d[59], 1 / 20);
      expect(observed).toBeCloseTo(rate, 2);
      expect(Math.abs(observed - rate) / rate).toBeLessThan(0.02);
      // and never faster than the bound from the first round on
      for (let t = 1; t < d.length; t++) expect(d[t]).toBeLessThanOrEqual(d[t - 1] * (1 + 1e-6));
    });
  }

  it('reaches exact consensus in one round on a complete graph (W = 11^T/n)', async () => {
    const config = smallConfig({
      peers: 10, rounds: 2, topology: { kind: 'complete' }, train: { lr: 0, batchSize: 16 },
      model: { kind: 'logistic', init: 'independent' },
    });
    const { rounds, summary } = await runRecorded(config);
    expect(summary.spectralGap).toBeCloseTo(1, 9);
    expect(rounds[0].consensusDistance).toBeLessThan(1e-9);
  });
});
