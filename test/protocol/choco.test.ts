// CHOCO-SGD: without compression and with gamma 1 it is D-PSGD (training included); with
// compression it sends what it claims and stays deterministic across worker counts.
import { describe, expect, it } from 'vitest';
import { runRecorded, smallConfig, stripTimes } from '../engine/helpers.js';

const train = { lr: 0.1, batchSize: 16, localSteps: 1 };

describe('choco', () => {
  it('equals D-PSGD round by round when nothing is compressed and gamma = 1', async () => {
    const base = { rounds: 15, topology: { kind: 'ring', k: 2 }, model: { kind: 'mlp', hidden: [8] }, train };
    const dpsgd = await runRecorded(smallConfig({ ...base, protocol: 'dpsgd' }));
    const choco = await runRecorded(smallConfig({ ...base, protocol: { kind: 'choco', compression: 'none', gamma: 1 } }));
    for (let r = 0; r < 15; r++) {
      const a = dpsgd.rounds[r];
      const b = choco.rounds[r];
      expect(b.bytesSent).toBe(a.bytesSent);
      expect(Math.abs(b.consensusDistance - a.consensusDistance)).toBeLessThan(1e-4 * a.consensusDistance + 1e-9);
      if (a.meanAccuracy !== undefined) expect(b.meanAccuracy).toBeCloseTo(a.meanAccuracy, 2);
    }
  }, 60_000);

  it('counts bytes as sent: top-k sends (index, value) pairs to each neighbour', async () => {
    const { rounds, engine } = await runRecorded(smallConfig({
      rounds: 3, topology: { kind: 'ring', k: 2 }, protocol: { kind: 'choco', compression: { kind: 'top-k', fraction: 0.1 }, gamma: 0.5 },
    }));
    const dim = engine.world.state.dim; // logistic 8 features x 4 classes + 4 = 36
    const k = Math.ceil(0.1 * dim);
    expect(rounds.map((r) => r.bytesSent)).toEqual([1, 2, 3].map((r) => r * 16 * 4 * k * 8));
  });

  it('gives byte-identical metrics inline and with 1, 2 and 4 workers under random compression', async () => {
    const config = smallConfig({
      rounds: 6, peers: 12, topology: { kind: 'ring', k: 1 }, model: { kind: 'mlp', hidden: [8] }, train,
      protocol: { kind: 'choco', compression: { kind: 'random-k', fraction: 0.2 }, gamma: 0.4 },
    });
    const runs = [];
    for (const workers of [0, 1, 2, 4]) runs.push(await runRecorded(config, { workers }));
    const ref = JSON.stringify({ r: stripTimes(runs[0].rounds), p: runs[0].peers });
    for (const r of runs.slice(1)) expect(JSON.stringify({ r: stripTimes(r.rounds), p: r.peers })).toBe(ref);
  }, 120_000);
});
