// Integration: a small network of peers on real MNIST learns far beyond chance (0.10).
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { runRecorded } from './helpers.js';

describe('learning on real MNIST', () => {
  it('takes 8 peers on a ring from chance to over 80% test accuracy', async () => {
    const config = resolveConfig({
      name: 'mnist-small',
      seed: 3,
      peers: 8,
      rounds: 80,
      topology: { kind: 'ring', k: 1 },
      data: { dataset: 'mnist', examplesPerPeer: 400 },
      model: { kind: 'mlp', hidden: [32] },
      train: { lr: 0.1, batchSize: 32 },
      eval: { every: 40, testExamples: 1000 },
    });
    const { rounds, summary } = await runRecorded(config, { workers: 0 });
    expect(rounds[39].meanAccuracy).toBeGreaterThan(0.6);
    expect(summary.finalMeanAccuracy).toBeGreaterThan(0.8);
    expect(summary.finalMinAccuracy).toBeGreaterThan(0.75);
    expect(summary.finalMeanAccuracy).toBeGreaterThan(rounds[39].meanAccuracy!);
    expect(summary.peerSteps).toBe(8 * 80);
  }, 60_000);

  it('shows the value of communication: D-PSGD beats local-only training on the same data', async () => {
    const base = {
      name: 'cmp', seed: 5, peers: 8, rounds: 60, topology: { kind: 'ring', k: 1 },
      data: { dataset: 'mnist', examplesPerPeer: 100, partition: { kind: 'dirichlet', alpha: 0.3 } },
      model: { kind: 'logistic' }, train: { lr: 0.1, batchSize: 20 }, eval: { every: 60, testExamples: 1000 },
    };
    const gossip = await runRecorded(resolveConfig(base));
    const local = await runRecorded(resolveConfig({ ...base, protocol: 'local' }));
    expect(gossip.summary.finalMeanAccuracy).toBeGreaterThan(local.summary.finalMeanAccuracy + 0.1);
    expect(local.summary.bytesSent).toBe(0);
  }, 60_000);
});
