// Adversaries in whole runs: honest-only metrics, the same bits for any worker count, honest
// behaviour before `start`, and each attack's effect (crafted messages reach the gather;
// label flipping poisons training; robust rules resist what the plain mean does not).
import { describe, expect, it } from 'vitest';
import { describeSetup } from '../../src/cli/describe.js';
import { runRecorded, smallConfig, stripTimes } from '../engine/helpers.js';

const ring2 = { topology: { kind: 'ring', k: 2 }, rounds: 30, eval: { every: 10, testExamples: 500 } };
/** learns to ~95% in 60 rounds, so an attack has something to destroy */
const learns = {
  ...ring2, rounds: 60, eval: { every: 60, testExamples: 500 }, train: { lr: 0.5, batchSize: 16 },
  data: { dataset: { kind: 'blobs', classes: 4, features: 8, trainSize: 4000, testSize: 500, separation: 5 }, examplesPerPeer: 100 },
};
const ATTACKS = ['sign-flip', 'gaussian', 'alie', 'ipm', 'dissensus', 'label-flip'];

describe('runs with adversaries', () => {
  it('measures honest peers only and lists the adversaries in the summary and peers lines', async () => {
    const config = smallConfig({ ...ring2, rounds: 10, eval: { every: 5, testExamples: 500, averageModel: true }, adversaries: { peers: [3, 11], attack: 'sign-flip' } });
    const r = await runRecorded(config);
    expect(r.summary.adversaries).toEqual([3, 11]);
    const last = r.peers.at(-1)!;
    expect(last.adversarial).toEqual(Array.from({ length: 16 }, (_, i) => i === 3 || i === 11));
    expect(last.accuracy[3]).toBeNull();
    expect(last.accuracy[11]).toBeNull();
    expect(r.rounds.at(-1)!.evaluatedPeers).toBe(14);
    // consensus over the 14 honest rows, recomputed from the final parameters
    const honest = Array.from({ length: 16 }, (_, i) => i).filter((i) => i !== 3 && i !== 11);
    const rows = honest.map((p) => r.engine.peerParams(p));
    const dim = rows[0].length;
    let total = 0;
    for (let c = 0; c < dim; c++) {
      const m = rows.reduce((s, x) => s + x[c], 0) / rows.length;
      total += rows.reduce((s, x) => s + (x[c] - m) ** 2, 0);
    }
    expect(r.summary.finalConsensusDistance).toBeCloseTo(total / 14, 6);
    const acc = honest.map((p) => last.accuracy[p]!);
    expect(r.summary.finalMeanAccuracy).toBeCloseTo(acc.reduce((a, b) => a + b, 0) / 14, 12);
    // the CLI's set-up lines name the attackers and say what the figures cover
    expect(describeSetup(r.engine.setupInfo())).toContain('attackers: 2 of 16 (peers 3, 11), sign-flip(scale=1) from round 1; accuracy and consensus are over the honest peers');
  });

  for (const attack of ATTACKS) {
    it(`${attack}: the same metrics and peers lines with 0 and 2 workers`, async () => {
      const config = smallConfig({ ...ring2, rounds: 8, eval: { every: 4, testExamples: 500, averageModel: true }, adversaries: { peers: { count: 3 }, attack, start: 2 } });
      const a = await runRecorded(config, { workers: 0 });
      const b = await runRecorded(config, { workers: 2 });
      expect(stripTimes(b.rounds)).toEqual(stripTimes(a.rounds));
      expect(b.peers).toEqual(a.peers);
    });
  }

  it('behaves honestly before start: honest peers match a run without adversaries up to round start - 1', async () => {
    const clean = await runRecorded(smallConfig({ ...ring2, rounds: 10, eval: { every: 5, testExamples: 500 } }));
    const hostile = await runRecorded(smallConfig({ ...ring2, rounds: 10, eval: { every: 5, testExamples: 500 }, adversaries: { peers: [3, 11], attack: 'ipm', start: 6 } }));
    const honest = (acc: (number | null)[]) => acc.filter((_, i) => i !== 3 && i !== 11);
    expect(honest(hostile.peers[0].accuracy)).toEqual(honest(clean.peers[0].accuracy));
    expect(honest(hostile.peers[1].accuracy)).not.toEqual(honest(clean.peers[1].accuracy));
  });

  it('gaussian noise wrecks the plain mean, and the median shrugs it off', async () => {
    const run = async (aggregation: unknown, adversaries?: unknown) =>
      (await runRecorded(smallConfig({ ...learns, aggregation, adversaries }))).summary.finalMeanAccuracy;
    const clean = await run('mean');
    const attack = { peers: [0, 8], attack: { kind: 'gaussian', sigma: 20 } };
    const mean = await run('mean', attack);
    const median = await run('median', attack);
    expect(clean).toBeGreaterThan(0.8);
    expect(mean).toBeLessThan(clean - 0.2);
    expect(median).toBeGreaterThan(clean - 0.1);
  });

  it('label flipping by half the network (minus one) drags the honest peers\' accuracy down', async () => {
    const run = async (adversaries?: unknown) =>
      (await runRecorded(smallConfig({ ...learns, topology: 'complete', adversaries }))).summary.finalMeanAccuracy;
    const clean = await run();
    const poisoned = await run({ peers: { count: 7 }, attack: 'label-flip' });
    expect(clean).toBeGreaterThan(0.9);
    expect(poisoned).toBeLessThan(clean - 0.15);
  });

  it('sign-flip and ipm collapse the plain mean on a ring, and the median keeps more than the mean by a wide margin', async () => {
    const run = async (aggregation: unknown, attack: string) =>
      (await runRecorded(smallConfig({ ...learns, aggregation, adversaries: { peers: [0, 4, 8, 12], attack } }))).summary.finalMeanAccuracy;
    for (const attack of ['sign-flip', 'ipm']) {
      const mean = await run('mean', attack);
      const median = await run('median', attack);
      expect(mean).toBeLessThan(0.45);
      expect(median).toBeGreaterThan(mean + 0.2);
    }
  });

  it('dissensus keeps honest peers apart: their consensus distance stays far above the clean run\'s', async () => {
    const run = async (adversaries?: unknown) => (await runRecorded(smallConfig({ ...learns, adversaries }))).summary.finalConsensusDistance;
    const clean = await run();
    const attacked = await run({ peers: [0, 4, 8, 12], attack: 'dissensus' });
    expect(attacked).toBeGreaterThan(20 * clean);
  });
});
