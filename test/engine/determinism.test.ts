import { describe, expect, it } from 'vitest';
import { runRecorded, smallConfig, stripTimes } from './helpers.js';

describe('determinism', () => {
  it('gives identical metrics for the same config and seed, run after run', async () => {
    const config = smallConfig({ rounds: 12, data: { dataset: { kind: 'blobs', classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100, partition: { kind: 'dirichlet', alpha: 0.5 } } });
    const a = await runRecorded(config);
    const b = await runRecorded(config);
    expect(stripTimes(a.rounds)).toEqual(stripTimes(b.rounds));
    expect(a.peers).toEqual(b.peers);
  });

  it('changes the results when the seed changes', async () => {
    const a = await runRecorded(smallConfig({ rounds: 5 }));
    const b = await runRecorded(smallConfig({ rounds: 5, seed: 8 }));
    expect(stripTimes(a.rounds)).not.toEqual(stripTimes(b.rounds));
  });

  it('gives byte-identical metrics inline and with 1, 2 and 4 worker threads', async () => {
    const config = smallConfig({ rounds: 10, peers: 20, topology: { kind: 'watts-strogatz', k: 2, beta: 0.2 }, model: { kind: 'mlp', hidden: [16] }, train: { optimizer: 'adam', lr: 0.01, batchSize: 16, localSteps: 2 } });
    const runs = [];
    for (const workers of [0, 1, 2, 4]) runs.push(await runRecorded(config, { workers }));
    const ref = JSON.stringify({ r: stripTimes(runs[0].rounds), p: runs[0].peers });
    for (const r of runs.slice(1)) expect(JSON.stringify({ r: stripTimes(r.rounds), p: r.peers })).toBe(ref);
    expect(runs.map((r) => r.summary.workers)).toEqual([0, 1, 2, 4]);
  }, 120_000);
});
