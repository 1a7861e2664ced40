import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describeSetup, describeSummary } from '../../src/cli/describe.js';
import { attachProgress } from '../../src/cli/progress.js';
import { Engine } from '../../src/engine/engine.js';
import { PrivacyAccountant, samplingRate } from '../../src/privacy/accountant.js';
import { privacyReport } from '../../src/privacy/report.js';
import type { World } from '../../src/engine/setup.js';
import { runRecorded, smallConfig } from '../engine/helpers.js';

const dpConfig = (privacy: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  smallConfig({ peers: 6, rounds: 6, eval: { every: 2, testExamples: 200 }, privacy, ...over });

describe('epsilon in a run with privacy.dp', () => {
  it('reports on evaluation rounds the largest epsilon over peers, growing with rounds, as the accountant gives it', async () => {
    const config = dpConfig({ dp: { clip: 1, noise: 1.1 } });
    const r = await runRecorded(config);
    const evaluated = r.rounds.filter((m) => m.meanAccuracy !== undefined);
    expect(evaluated.map((m) => m.round)).toEqual([2, 4, 6]);
    for (const m of r.rounds) if (m.meanAccuracy === undefined) expect(m.epsilon).toBeUndefined();
    const eps = evaluated.map((m) => m.epsilon!);
    for (let k = 1; k < eps.length; k++) expect(eps[k]).toBeGreaterThan(eps[k - 1]);

    // the accountant's own figure from each peer's step count and shard size
    const { stepCount, partOffsets } = r.engine.world.state;
    expect(Array.from(stepCount)).toEqual(new Array(6).fill(6 * config.train.localSteps));
    const accountant = new PrivacyAccountant(config.privacy!);
    const perPeer = Array.from(stepCount, (s, p) => accountant.epsilon(samplingRate(config.train.batchSize, partOffsets[p + 1] - partOffsets[p]), s));
    expect(r.peers.at(-1)!.epsilon).toEqual(perPeer);
    expect(eps.at(-1)).toBe(Math.max(...perPeer));
    expect(eps.at(-1)).toBeGreaterThan(0);
    expect(r.summary.finalEpsilon).toBe(eps.at(-1));
    expect(describeSummary(r.summary)).toContain(`differential privacy: epsilon ${eps.at(-1)!.toFixed(3)}, the largest over peers`);
  });

  it('reports the same epsilon with worker threads (step counts live in shared memory)', async () => {
    const config = dpConfig({ dp: { clip: 1, noise: 0.9 } });
    const inline = await runRecorded(config);
    const threaded = await runRecorded(config, { workers: 2 });
    expect(threaded.rounds.map((m) => m.epsilon)).toEqual(inline.rounds.map((m) => m.epsilon));
    expect(threaded.peers.at(-1)!.epsilon).toEqual(inline.peers.at(-1)!.epsilon);
  });

  it('reports no epsilon without privacy', async () => {
    const r = await runRecorded(smallConfig({ peers: 4, rounds: 2, eval: { every: 2, testExamples: 100 } }));
    expect(r.rounds.at(-1)!.epsilon).toBeUndefined();
    expect(r.peers.at(-1)!.epsilon).toBeUndefined();
    expect(r.summary.finalEpsilon).toBeUndefined();
  });

  it('says in the set-up lines how DP-SGD runs, and warns where the guarantee is weak or absent', async () => {
    for (const [privacy, warning] of [
      [{ dp: { clip: 1, noise: 1.1 } }, undefined],
      [{ dp: { clip: 1, noise: 1.1 }, sampling: 'shuffle' }, 'the accountant assumes Poisson sampling'],
      [{ dp: { clip: 1, noise: 0 } }, 'no guarantee (epsilon Infinity, written null)'],
    ] as const) {
      const engine = await Engine.create(dpConfig(privacy), { workers: 0 });
      try {
        const text = describeSetup(engine.setupInfo());
        expect(text).toContain(`DP-SGD: clip 1, noise ${privacy.dp.noise}, delta 0.00001; ${'sampling' in privacy ? 'shuffle' : 'poisson'} sampling, q = 0.160; RDP accountant, balle conversion`);
        if (warning) expect(text).toContain(warning);
        else expect(text).not.toContain('warning');
      } finally {
        await engine.close();
      }
    }
  });

  it('shows epsilon on the progress lines, and noise 0 as an unbounded epsilon (null in JSON)', async () => {
    let out = '';
    const sink = new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } });
    const engine = await Engine.create(dpConfig({ dp: { clip: 1, noise: 0 } }, { rounds: 2 }), { workers: 0 });
    const rounds: { epsilon?: number }[] = [];
    engine.on('round', (m) => rounds.push(m));
    attachProgress(engine, { tty: false, out: sink });
    try {
      await engine.run();
    } finally {
      await engine.close();
    }
    expect(out).toMatch(/loss \d\.\d{4} {2}ε ∞/);
    expect(rounds.at(-1)!.epsilon).toBe(Infinity);
    expect(JSON.stringify(rounds.at(-1))).toContain('"epsilon":null');
  });
});

describe('privacyReport', () => {
  // shards of different sizes (so different sampling rates) and different step counts, peer 2 an adversary
  const world = (privacy?: Record<string, unknown>) => ({
    config: { train: { batchSize: 10 }, privacy: privacy && { dp: { clip: 1, noise: 1, delta: 1e-5 }, conversion: 'classic', sampling: 'poisson', ...privacy } },
    state: { stepCount: Int32Array.from([100, 50, 400, 0]), partOffsets: Int32Array.from([0, 100, 300, 310, 330]) },
    honest: [0, 1, 3],
  }) as unknown as World;

  it("gives each peer the epsilon of its own steps and sampling rate, and the round the honest peers' largest", () => {
    const a = new PrivacyAccountant({ dp: { clip: 1, noise: 1, delta: 1e-5 }, conversion: 'classic' });
    const r = privacyReport(world({}));
    expect(r.peers.epsilon).toEqual([a.epsilon(0.1, 100), a.epsilon(0.05, 50), a.epsilon(1, 400), 0]);
    expect(r.peers.epsilon![0]).toBeGreaterThan(r.peers.epsilon![1]);
    // the adversary's much larger figure is not the guarantee the honest peers have
    expect(r.peers.epsilon![2]).toBeGreaterThan(r.peers.epsilon![0]);
    expect(r.round.epsilon).toBe(r.peers.epsilon![0]);
  });

  it('is empty without privacy', () => {
    expect(privacyReport(world())).toEqual({ round: {}, peers: {} });
  });
});
