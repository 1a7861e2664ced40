// Adversaries in asynchronous gossip learning: crafted models replace what attackers push (or
// answer to pulls) at the moment they send, from the rows as they are then.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { runRecorded, smallConfig, stripTimes } from '../engine/helpers.js';

const gossip = (over: Record<string, unknown> = {}) =>
  smallConfig({
    rounds: 40, topology: { kind: 'ring', k: 2 }, protocol: { kind: 'gossip-learning', variant: 'push-pull' }, time: { mode: 'async' },
    train: { lr: 0.5, batchSize: 16 }, eval: { every: 40, testExamples: 500 },
    data: { dataset: { kind: 'blobs', classes: 4, features: 8, trainSize: 4000, testSize: 500, separation: 5 }, examplesPerPeer: 100 },
    ...over,
  });

describe('adversaries in asynchronous gossip learning', () => {
  it('ipm messages, crafted as they are sent, drag the honest peers down; honest-only figures and replay hold', async () => {
    const clean = await runRecorded(gossip());
    const attack = { peers: [0, 4, 8, 12], attack: { kind: 'ipm', epsilon: 1 } };
    const hostile = await runRecorded(gossip({ adversaries: attack }));
    expect(clean.summary.finalMeanAccuracy).toBeGreaterThan(0.85);
    expect(hostile.summary.finalMeanAccuracy).toBeLessThan(clean.summary.finalMeanAccuracy - 0.3);
    expect(hostile.summary.adversaries).toEqual([0, 4, 8, 12]);
    expect(hostile.peers.at(-1)!.accuracy[4]).toBeNull();
    // the same config and seed give the same run
    const again = await runRecorded(gossip({ adversaries: attack }));
    expect(stripTimes(again.rounds)).toEqual(stripTimes(hostile.rounds));
  });

  it('clipped gossip (fixed tau) merges each received model clipped, and keeps what ipm takes from the mean', async () => {
    const attack = { peers: [0, 4, 8, 12], attack: { kind: 'ipm', epsilon: 1 } };
    const mean = (await runRecorded(gossip({ adversaries: attack }))).summary.finalMeanAccuracy;
    const clipped = (await runRecorded(gossip({ adversaries: attack, aggregation: { kind: 'clipped-gossip', tau: 0.1 } }))).summary.finalMeanAccuracy;
    const clean = (await runRecorded(gossip({ aggregation: { kind: 'clipped-gossip', tau: 0.1 } }))).summary.finalMeanAccuracy;
    expect(clean).toBeGreaterThan(0.85); // clipping alone does not stop honest gossip learning
    expect(clipped).toBeGreaterThan(mean + 0.3);
  });

  it('refuses rules that need several models at once, and adaptive tau, naming what gossip learning can use', () => {
    const issues = (aggregation: unknown) => {
      try {
        gossip({ aggregation });
        return [];
      } catch (e) {
        return (e as ConfigError).issues;
      }
    };
    expect(issues('median')).toEqual(['aggregation: median needs several models at once, and gossip-learning merges one received model at a time; use mean or clipped-gossip with a fixed tau']);
    expect(issues({ kind: 'clipped-gossip', tau: 'adaptive' })[0]).toMatch(/^aggregation: clipped-gossip with tau adaptive takes its radius from the distances to several neighbours at once/);
  });

  it('attackers behave honestly before start', async () => {
    const clean = await runRecorded(gossip({ rounds: 10, eval: { every: 10, testExamples: 500 } }));
    const later = await runRecorded(gossip({ rounds: 10, eval: { every: 10, testExamples: 500 }, adversaries: { peers: [0, 4, 8, 12], attack: 'ipm', start: 11 } }));
    const honest = (a: (number | null)[]) => a.filter((_, i) => i % 4 !== 0);
    expect(honest(later.peers[0].accuracy)).toEqual(honest(clean.peers[0].accuracy));
  });

  it('crafted attacks are refused where no plain model travels (push-sum), label flipping is not', () => {
    const issues = (over: Record<string, unknown>) => {
      try {
        smallConfig(over);
        return [];
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).issues;
      }
    };
    expect(issues({ protocol: 'push-sum', adversaries: { peers: [1], attack: 'alie' } })).toEqual([
      'adversaries.attack: alie sends crafted models in place of the models a protocol exchanges (dpsgd | gossip-learning), and push-sum does not exchange plain models; use one of those protocols or the label-flip attack',
    ]);
    expect(issues({ protocol: 'push-sum', adversaries: { peers: [1], attack: 'label-flip' } })).toEqual([]);
  });
});
