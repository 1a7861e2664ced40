// DP-SGD through the engine: every protocol and optimizer runs with it, it is deterministic for any
// worker count and across a resume, its noise and clipping are what the config says (noise 0 and
// a clip no gradient reaches give plain SGD), and it still learns.

import { describe, expect, it } from 'vitest';
import { protocols } from '../../src/protocol/index.js';
import { runRecorded, smallConfig, stripTimes, wholeAndResumed } from '../engine/helpers.js';

const DP = { dp: { clip: 1, noise: 1.1, delta: 1e-5 }, sampling: 'poisson' };
const dpConfig = (over: Record<string, unknown> = {}) =>
  smallConfig({ model: { kind: 'mlp', hidden: [16] }, train: { lr: 1, batchSize: 25, localSteps: 2 }, privacy: DP, ...over });

const PROTOCOL_CASES: Record<string, Record<string, unknown>> = {
  dpsgd: { protocol: 'dpsgd' },
  local: { protocol: 'local' },
  fedavg: { protocol: { kind: 'fedavg', fraction: 0.5 } },
  'push-sum': { protocol: 'push-sum', topology: { kind: 'directed-exponential', schedule: 'one-peer-exponential' } },
  choco: { protocol: { kind: 'choco', compression: { kind: 'top-k', fraction: 0.5 }, gamma: 0.5 } },
  'gossip-learning': { protocol: { kind: 'gossip-learning', variant: 'push-pull' }, time: { mode: 'async', latency: 0.1 } },
};

describe('DP-SGD in the engine', () => {
  it('has a case for each protocol in the registry', () => {
    expect(Object.keys(PROTOCOL_CASES).sort()).toEqual(protocols.map((p) => p.kind).sort());
  });

  for (const [kind, over] of Object.entries(PROTOCOL_CASES)) {
    it(`${kind} learns with DP-SGD (clip 1, noise 1.1, Poisson sampling)`, async () => {
      const { summary } = await runRecorded(dpConfig({ rounds: 30, ...over }));
      // four blobs: chance is 0.25, plain SGD reaches about 0.68
      expect(summary.finalMeanAccuracy).toBeGreaterThan(0.5);
    });
  }

  for (const optimizer of ['momentum', 'adam']) {
    it(`runs ${optimizer} on noisy gradients`, async () => {
      const { summary } = await runRecorded(dpConfig({ rounds: 30, train: { optimizer, lr: optimizer === 'adam' ? 0.05 : 0.3, batchSize: 25 } }));
      expect(summary.finalMeanAccuracy).toBeGreaterThan(0.5);
    });
  }

  it('gives the same metrics inline and on 2 workers', async () => {
    const config = dpConfig({ rounds: 10 });
    const inline = await runRecorded(config, { workers: 0 });
    const pooled = await runRecorded(config, { workers: 2 });
    expect(JSON.stringify(stripTimes(pooled.rounds))).toBe(JSON.stringify(stripTimes(inline.rounds)));
  });

  it('resumes from a checkpoint to the same lines as an uninterrupted run', async () => {
    const { whole, resumed } = await wholeAndResumed(dpConfig({ rounds: 10 }), 5);
    expect(JSON.stringify(resumed)).toBe(JSON.stringify(whole));
  });

  it('with noise 0, a clip no gradient reaches and shuffled batches, trains as plain SGD does', async () => {
    const train = { lr: 0.3, batchSize: 25, localSteps: 2 };
    const plain = await runRecorded(dpConfig({ privacy: undefined, rounds: 20, train }));
    const clipOnly = await runRecorded(dpConfig({ privacy: { dp: { clip: 1e6, noise: 0 }, sampling: 'shuffle' }, rounds: 20, train }));
    // the same batches and the same mean gradient, summed in another order: equal up to rounding
    for (let i = 0; i < plain.rounds.length; i++) {
      expect(clipOnly.rounds[i].consensusDistance).toBeCloseTo(plain.rounds[i].consensusDistance, 4);
    }
    expect(Math.abs(clipOnly.summary.finalMeanLoss - plain.summary.finalMeanLoss)).toBeLessThan(1e-4);
  });

  it('noise is what the config says: more noise moves the models further from each other and from plain SGD', async () => {
    const loss = async (noise: number) => (await runRecorded(dpConfig({ privacy: { dp: { clip: 1, noise } }, rounds: 10, protocol: 'local' }))).summary.finalMeanLoss;
    const [quiet, loud] = [await loss(0.1), await loss(8)];
    expect(loud).toBeGreaterThan(quiet);
  });
});
