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
    [{ kind: 'erdos-renyi', p: 0.3 }, 'metropolis'],
    [{ kind: 'barabasi-albert', m: 2 }, 'uniform'],
  ] as const) {
    it(`decays at the rate slem^2 predicts on ${topology.kind} with ${mixing} weights`, async () => {
            const config = smallConfig({
        peers: 24,
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
      // per-round ratio late in the run, where the slowest mode dominates, but before float32
      // rounding of the parameters (about 1e-14 relative) sets a floor
      let end = d.length - 1;
      while (d[end] < 1e-9 * d[0]) end--;
      const begin = Math.floor(end * 0.6);
      expect(end - begin).toBeGreaterThanOrEqual(5);
      const observed = Math.pow(d[end] / d[begin], 1 / (end - begin));
      // the observed ratio approaches slem^2 from below as faster modes die out
      expect(observed).toBeLessThanOrEqual(rate * (1 + 1e-4));
      expect(observed).toBeGreaterThan(rate * 0.98);
      // and every round contracts by at least slem^2 (W is symmetric), down to the float floor
      for (let t = 1; t <= end; t++) expect(d[t]).toBeLessThanOrEqual(d[t - 1] * rate * (1 + 1e-4));
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

describe('exact answers', () => {
  it('D-PSGD on a complete graph with Metropolis weights is FedAvg with one local step', async () => {
    const common = { peers: 12, rounds: 30, model: { kind: 'mlp', hidden: [8] }, train: { lr: 0.5, batchSize: 16 }, eval: { every: 10, testExamples: 500 } };
    const gossip = await runRecorded(smallConfig({ ...common, topology: { kind: 'complete' } }));
    const central = await runRecorded(smallConfig({ ...common, protocol: { kind: 'fedavg' } }));
    const strip = (r: typeof gossip) => r.peers.map((p) => ({ round: p.round, accuracy: p.accuracy, loss: p.loss }));
    expect(strip(gossip)).toEqual(strip(central));
    expect(gossip.summary.finalMeanAccuracy).toBeGreaterThan(0.5);
    // the same models, but not the same traffic: n(n-1) vectors a round against 2n
    expect(gossip.rounds[0].bytesSent).toBe(12 * 11 * gossip.engine.world.state.dim * 4);
    expect(central.rounds[0].bytesSent).toBe(2 * 12 * central.engine.world.state.dim * 4);
  });
});
