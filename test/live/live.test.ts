// A live run gives the simulator's metrics: synchronous dpsgd over 1, 2 and 4 processes (here in
// memory, in one test process) writes the very metrics and peers lines of runRecorded().
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { runRecorded, smallConfig, stripTimes, type Recorded } from '../engine/helpers.js';
import { runLive } from './live-helpers.js';
import { exchangePlan } from '../../src/live/exchange.js';
import { liveIssues } from '../../src/live/support.js';
import { createWorld } from '../../src/engine/setup.js';
import { ranges, Runtime } from '../../src/engine/runtime.js';
import { createExecutor } from '../../src/engine/executor.js';
import { createRng } from '../../src/rng.js';
import { ChainReduction } from '../../src/live/measure.js';
import { Mailbox } from '../../src/live/mailbox.js';
import { createMemoryHub } from '../../src/live/transport/memory.js';

const json = (x: unknown) => JSON.stringify(x);

async function expectSameAsSimulator(config: ReturnType<typeof smallConfig>, processes: number[], workers = 0): Promise<Recorded> {
  const sim = await runRecorded(config);
  for (const p of processes) {
    const live = await runLive(config, p, { workers });
    expect(json(stripTimes(live.rounds)), `metrics with ${p} processes`).toBe(json(stripTimes(sim.rounds)));
    expect(json(live.peers), `peers with ${p} processes`).toBe(json(sim.peers));
    expect(live.summary.peerSteps).toBe(sim.summary.peerSteps);
    expect(live.summary.finalMeanAccuracy).toBe(sim.summary.finalMeanAccuracy);
    expect(live.summary.live?.processes).toBe(p);
  }
  return sim;
}

describe('a live dpsgd run', () => {
  it('gives the simulator metrics and peers lines on blobs over a ring, for 1, 2 and 4 processes', async () => {
    await expectSameAsSimulator(smallConfig({ eval: { every: 1, testExamples: 500, atStart: true } }), [1, 2, 4]);
  }, 30_000);

  it('matches with evaluation every 5 rounds of a sample of peers, 3 processes of unequal slices and 2 local steps', async () => {
    await expectSameAsSimulator(smallConfig({ peers: 14, train: { lr: 0.1, batchSize: 16, localSteps: 2 }, eval: { every: 5, testExamples: 500, peers: 5 } }), [3]);
  }, 30_000);

  it('matches on an MLP over MNIST peers on a small-world graph, mixing by the median', async () => {
    const config = resolveConfig({
      name: 'mnist-live', seed: 3, peers: 6, rounds: 4,
      topology: { kind: 'watts-strogatz', k: 2, beta: 0.3 },
      aggregation: { kind: 'median' },
      data: { dataset: 'mnist', examplesPerPeer: 64 },
      model: { kind: 'mlp', hidden: [16] },
      train: { lr: 0.05, batchSize: 16 },
      eval: { every: 2, testExamples: 200 },
    });
    await expectSameAsSimulator(config, [2, 4]);
  }, 30_000);

  it('matches for a model of many column blocks (the consensus chain passes pieces of several blocks)', async () => {
    // 8 * 4000 + 4000 + 4000 * 4 + 4 = 52,004 parameters: 13 blocks of 4096 columns in 4 pieces
    const config = smallConfig({ rounds: 4, model: { kind: 'mlp', hidden: [4000] }, eval: { every: 2, testExamples: 100 } });
    await expectSameAsSimulator(config, [2, 3]);
  }, 30_000);

  it('matches under a time-varying schedule', async () => {
    const config = smallConfig({ rounds: 8, topology: { kind: 'erdos-renyi', p: 0.3, schedule: { kind: 'resample', every: 2 } } });
    await expectSameAsSimulator(config, [2]);
  }, 30_000);

  it('matches when each process trains and mixes in a pool of worker threads', async () => {
    await expectSameAsSimulator(smallConfig({ rounds: 10, peers: 20, topology: { kind: 'torus', rows: 4, cols: 5 } }), [2], 2);
  }, 30_000);

  it('matches with DP-SGD (each peer\'s epsilon from its steps) on clustered data', async () => {
    const config = smallConfig({
      rounds: 6, privacy: { dp: { clip: 1, noise: 1, delta: 1e-5 }, sampling: 'poisson' },
      data: { dataset: { kind: 'blobs', classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100, clusters: { count: 2, transform: 'permute-labels' } },
      eval: { every: 3, testExamples: 200 },
    });
    const sim = await expectSameAsSimulator(config, [3]);
    expect(sim.rounds.at(-1)?.epsilon).toBeGreaterThan(0);
    expect(sim.peers.at(-1)?.cluster).toHaveLength(16);
  }, 30_000);

  it('matches with the average model evaluated and the membership attack run', async () => {
    const config = smallConfig({ rounds: 6, eval: { every: 3, testExamples: 300, averageModel: true, privacy: true } });
    const sim = await expectSameAsSimulator(config, [1, 3]);
    expect(sim.rounds.at(-1)?.averageModelAccuracy).toBeGreaterThan(0);
    expect(sim.rounds.at(-1)?.miaAuc).toBeGreaterThan(0);
  }, 30_000);

  it('matches for push-sum on a directed graph (weights kept by every process, the reweighted W planned once)', async () => {
    const config = smallConfig({ rounds: 8, topology: { kind: 'directed-exponential' }, protocol: { kind: 'push-sum' } });
    await expectSameAsSimulator(config, [3]);
  }, 30_000);

  it('matches for FedAvg, every process gathering the sampled peers\' rows', async () => {
    await expectSameAsSimulator(smallConfig({ rounds: 6, protocol: { kind: 'fedavg', fraction: 0.5 } }), [2]);
    await expectSameAsSimulator(smallConfig({ rounds: 4, protocol: { kind: 'fedavg' } }), [3]);
  }, 30_000);

  it('matches for the local baseline, which sends nothing', async () => {
    await expectSameAsSimulator(smallConfig({ rounds: 6, protocol: { kind: 'local' } }), [2]);
  }, 30_000);

  it('reports how many bytes went over each link', async () => {
    const live = await runLive(smallConfig({ rounds: 3 }), 2);
    const links = live.summary.live!.links;
    const zeroToOne = links.find((l) => l.from === 0 && l.to === 1)!;
    // a ring over two slices: each slice sends its two boundary rows every round (plus the reduction's carries)
    expect(zeroToOne.framesSent).toBeGreaterThanOrEqual(3 * 2);
    expect(zeroToOne.bytesSent).toBeGreaterThan(0);
    expect(zeroToOne.rttMs).toBeGreaterThan(0);
  }, 30_000);
});

describe('the exchange plan', () => {
  it('sends a ring slice its two boundary rows and nothing else', () => {
    const w = createWorld(smallConfig(), 'auto').mixing;
    const slices = ranges(16, 4);
    const plan = exchangePlan(w, slices, 1);
    expect(plan.send).toEqual([{ to: 0, runs: [[4, 1]] }, { to: 2, runs: [[7, 1]] }]);
    expect(plan.receive).toEqual([{ from: 0, runs: [[3, 1]] }, { from: 2, runs: [[8, 1]] }]);
  });
});

describe('live mode', () => {
  it('runs every synchronous protocol in rounds, naming them when a config is not one', () => {
    expect(liveIssues(smallConfig({ protocol: { kind: 'choco' } }), 2)).toEqual([]);
    const issues = liveIssues(smallConfig({ protocol: { kind: 'gossip-learning' }, time: { mode: 'async' } }), 2);
    expect(issues.join('\n')).toMatch(/'gossip-learning' does not run live yet; live mode runs dpsgd, local, push-sum, fedavg and choco in rounds/);
    expect(liveIssues(smallConfig(), 17).join('\n')).toMatch(/--processes: 17 processes for 16 peers/);
    expect(liveIssues(smallConfig(), 4)).toEqual([]);
  });
});

describe('a live run that fails', () => {
  it('stops every process and fails like the simulator when training diverges', async () => {
    const config = smallConfig({ rounds: 30, train: { lr: 1e5, batchSize: 16 }, model: { kind: 'mlp', hidden: [8] } });
    const sim = await runRecorded(config).then(() => undefined, (e: Error) => e);
    expect(sim?.name).toBe('DivergenceError');
    const live = await runLive(config, 2).then(() => undefined, (e: Error) => e);
    expect(live?.name).toBe('DivergenceError');
    expect(live?.message).toBe(sim?.message);
  }, 30_000);

  it('ends with aborted: true and the rounds it heard when the observer is stopped', async () => {
    const config = smallConfig({ rounds: 200 });
    const live = await runLive(config, 2, { watch: (observer) => observer.on('round', (m) => m.round === 7 && observer.abort()) });
    expect(live.summary.aborted).toBe(true);
    expect(live.rounds.map((m) => m.round)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  }, 30_000);
});

describe('the consensus chain', () => {
  it('gives the engine\'s consensus distance and mean, bit for bit, over 1 to 4 processes of a wide model', async () => {
    const world = createWorld(smallConfig({ model: { kind: 'mlp', hidden: [4000] } }), 'auto');
    const { state } = world;
    const { executor } = await createExecutor({ state, settings: world.settings }, 0);
    const runtime = new Runtime({ state, executor, protocol: 'dpsgd', aggregation: world.config.aggregation, localSteps: 1 });
    const rng = createRng(11, 'chain-test');
    const x = runtime.params();
    try {
      for (let trial = 0; trial < 6; trial++) {
        // magnitudes that differ by column block, so that the order of additions shows in the last bits
        for (let i = 0; i < x.length; i++) x[i] = (rng.next() - 0.5) * 10 ** ((Math.floor((i % state.dim) / 4096) + trial) % 7 - 3);
        const want = (await runtime.totalDeviation()) / state.peers;
        const wantMean = state.mean.slice();
        for (const P of [1, 2, 4]) {
          const hub = createMemoryHub();
          const transports = Array.from({ length: P }, (_, k) => hub.transport(k));
          const addresses = await Promise.all(transports.map((t) => t.start()));
          await Promise.all(transports.map((t) => t.connect(addresses)));
          const slices = ranges(state.peers, P);
          const results = await Promise.all(slices.map(([a, b], k) => {
            const chain = new ChainReduction(new Mailbox(transports[k]), k, P, state.peers, state.dim, state.memory ? 'simd' : 'js', b - a);
            return chain.run(trial, x.subarray(a * state.dim, b * state.dim), b - a);
          }));
          await Promise.all(transports.map((t) => t.close()));
          expect(results[P - 1].consensus?.value, `trial ${trial}, ${P} processes`).toBe(want);
          for (const r of results) expect(Buffer.from(r.mean.mean.buffer).equals(Buffer.from(wantMean.buffer))).toBe(true);
        }
      }
    } finally {
      await executor.close();
    }
  }, 30_000);
});
