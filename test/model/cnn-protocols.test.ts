// A cnn's rows go through the engine like any model's: every protocol in the registry, a robust
// aggregation rule, and checkpoint/resume run a tiny CNN on MNIST for a few rounds.

import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { protocols } from '../../src/protocol/index.js';
import { runRecorded, wholeAndResumed } from '../engine/helpers.js';

const tinyCnn = (over: Record<string, unknown>) => resolveConfig({
  name: 'tiny-cnn', seed: 5, peers: 8, rounds: 3, topology: { kind: 'ring', k: 1 },
  data: { dataset: 'mnist', examplesPerPeer: 48 },
  model: { kind: 'cnn', conv: [{ filters: 4, kernel: 5, pool: 4 }], dense: [16] },
  train: { lr: 0.05, batchSize: 16 }, eval: { every: 3, testExamples: 100 }, ...over,
});

const PROTOCOL_CASES: Record<string, Record<string, unknown>> = {
  dpsgd: { protocol: 'dpsgd' },
  local: { protocol: 'local' },
  fedavg: { protocol: { kind: 'fedavg', fraction: 0.5 } },
  'push-sum': { protocol: 'push-sum', topology: { kind: 'directed-exponential', schedule: 'one-peer-exponential' } },
  choco: { protocol: { kind: 'choco', compression: { kind: 'top-k', fraction: 0.1 }, gamma: 0.3 } },
  'gossip-learning': { protocol: { kind: 'gossip-learning', variant: 'push-pull' }, time: { mode: 'async', latency: 0.1 } },
};

describe('a cnn in every protocol', () => {
  it('has a case for each protocol in the registry', () => {
    expect(Object.keys(PROTOCOL_CASES).sort()).toEqual(protocols.map((p) => p.kind).sort());
  });

  for (const [kind, over] of Object.entries(PROTOCOL_CASES)) {
    it(`runs ${kind} for a few rounds with finite metrics`, async () => {
      const { rounds, summary } = await runRecorded(tinyCnn(over));
      expect(rounds.length).toBeGreaterThan(0);
      expect(Number.isFinite(summary.finalMeanAccuracy)).toBe(true);
      expect(summary.kernel).toBe('simd');
    });
  }

  it('runs dpsgd with median aggregation', async () => {
    const { summary } = await runRecorded(tinyCnn({ topology: { kind: 'ring', k: 2 }, aggregation: 'median' }));
    expect(Number.isFinite(summary.finalMeanAccuracy)).toBe(true);
  });

  it('resumes from a checkpoint to the same lines as an uninterrupted run', async () => {
    const { whole, resumed } = await wholeAndResumed(tinyCnn({ rounds: 4, eval: { every: 2, testExamples: 100 } }), 2);
    expect(JSON.stringify(resumed)).toBe(JSON.stringify(whole));
  });
});
