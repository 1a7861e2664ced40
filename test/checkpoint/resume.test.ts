// Checkpoint and resume: a run stopped at round k and resumed from its checkpoint (through the
// encoded bytes) writes exactly the lines the uninterrupted run writes, in sync and async modes,
// inline and with workers.
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, checkCompatible, type Checkpoint } from '../../src/checkpoint/index.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import type { PeerMetrics, RoundMetrics } from '../../src/engine/events.js';
import type { ExperimentConfig } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { VERSION } from '../../src/version.js';
import { smallConfig, stripTimes } from '../engine/helpers.js';

interface Lines { rounds: RoundMetrics[]; peers: PeerMetrics[]; checkpoint?: Checkpoint }

async function run(config: ExperimentConfig, opts: EngineOptions, stopAt?: number): Promise<Lines> {
  const engine = await Engine.create(config, opts);
  const out: Lines = { rounds: [], peers: [] };
  engine.on('round', (m) => {
    out.rounds.push({ ...m });
    if (m.round === stopAt) engine.abort();
  });
  engine.on('peers', (p) => out.peers.push(p));
  try {
    await engine.run();
    if (stopAt !== undefined) out.checkpoint = decodeCheckpoint(encodeCheckpoint(engine.checkpoint())) as Checkpoint;
    return out;
  } finally {
    await engine.close();
  }
}

/** What the run directory holds after stopping at k and resuming: lines before k, then the resumed run's. */
async function stopAndResume(config: ExperimentConfig, k: number, workers: number): Promise<Lines> {
  const first = await run(config, { workers }, k);
  expect(first.checkpoint!.round).toBe(k);
  const second = await run(config, { workers, resume: first.checkpoint });
  return {
    rounds: [...first.rounds.filter((m) => m.round < k), ...second.rounds],
    peers: [...first.peers.filter((p) => p.round < k), ...second.peers],
  };
}

const CASES: [string, Record<string, unknown>][] = [
  ['dpsgd with adam and 2 local steps', { topology: { kind: 'watts-strogatz', k: 2, beta: 0.2 }, model: { kind: 'mlp', hidden: [8] }, train: { optimizer: 'adam', lr: 0.01, batchSize: 16, localSteps: 2 } }],
  ['fedavg sampling half the peers', { protocol: { kind: 'fedavg', fraction: 0.5 } }],
  ['choco with random-k and momentum', { protocol: { kind: 'choco', compression: { kind: 'random-k', fraction: 0.3 }, gamma: 0.5 }, topology: { kind: 'ring', k: 2 }, train: { optimizer: 'momentum', lr: 0.05, batchSize: 16 } }],
  ['push-sum on resampled graphs', { protocol: 'push-sum', topology: { kind: 'erdos-renyi', p: 0.3, schedule: { kind: 'resample', every: 3 } } }],
  ['dpsgd under an alie attack from round 3, median aggregation', { topology: { kind: 'ring', k: 2 }, aggregation: 'median', adversaries: { peers: [3, 11], attack: 'alie', start: 3 } }],
  ['dpsgd with gaussian adversaries placed by degree', { topology: { kind: 'watts-strogatz', k: 2, beta: 0.3 }, adversaries: { peers: { count: 2, placement: 'highest-degree' }, attack: 'gaussian' }, eval: { every: 5, testExamples: 200, averageModel: true } }],
  ['median aggregation with the average model evaluated', { topology: { kind: 'ring', k: 2 }, aggregation: 'median', eval: { every: 5, testExamples: 200, averageModel: true } }],
  ['hebbian plasticity on label-permuted clusters', { topology: { kind: 'random-regular', k: 4 }, data: { dataset: { kind: 'blobs', classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100, clusters: { count: 2, transform: 'permute-labels' } }, plasticity: { rule: 'hebbian', grow: { every: 2, candidates: 1 }, probe: 16 } }],
  ['pens stopped in its first phase, cosine signal', { topology: { kind: 'random-regular', k: 4 }, plasticity: { rule: 'pens', signal: 'cosine', degree: 2, grow: { candidates: 4 }, selectionRounds: 9, probe: 16 } }],
  ['hebbian plasticity in async push-pull gossip with latency', { topology: { kind: 'random-regular', k: 4 }, protocol: { kind: 'gossip-learning', variant: 'push-pull' }, time: { mode: 'async', latency: 0.3 }, plasticity: { rule: 'hebbian', grow: { every: 2, candidates: 1 }, probe: 16 } }],
  ['async gossip learning with drops, churn, latency and stragglers', {
    protocol: { kind: 'gossip-learning', variant: 'push-pull' },
    time: { mode: 'async', latency: 0.3, latencySpread: 0.5, drop: 0.1, churn: { meanOnline: 4, meanOffline: 1 }, stragglers: { fraction: 0.2, slowdown: 3 } },
  }],
];

describe('checkpoint and resume', () => {
  for (const [name, over] of CASES) {
    for (const workers of [0, 2]) {
      it(`${name}, ${workers} workers: stopped at round 7 and resumed, writes the same lines as an uninterrupted run`, async () => {
        const config = smallConfig({ rounds: 14, eval: { every: 5, testExamples: 200 }, ...over });
        const whole = await run(config, { workers });
        const resumed = await stopAndResume(config, 7, workers);
        expect(JSON.stringify(stripTimes(resumed.rounds))).toBe(JSON.stringify(stripTimes(whole.rounds)));
        expect(JSON.stringify(resumed.peers)).toBe(JSON.stringify(whole.peers));
        if (config.eval.averageModel) expect(whole.rounds.filter((m) => m.averageModelAccuracy !== undefined).length).toBe(3);
      }, 60_000);
    }
  }

  it('resumes on an evaluation round too, and may extend the number of rounds', async () => {
    const config = smallConfig({ rounds: 15, eval: { every: 5, testExamples: 200 } });
    const whole = await run(config, { workers: 0 });
    const first = await run({ ...config, rounds: 10 }, { workers: 0 }, 10);
    const second = await run(config, { workers: 0, resume: first.checkpoint });
    const lines = [...first.rounds.filter((m) => m.round < 10), ...second.rounds];
    expect(JSON.stringify(stripTimes(lines))).toBe(JSON.stringify(stripTimes(whole.rounds)));
  }, 60_000);

  it('refuses a checkpoint of another config, format or version, naming each problem', async () => {
    const config = smallConfig({ rounds: 6 });
    const { checkpoint } = await run(config, { workers: 0 }, 3);
    const other = smallConfig({ rounds: 6, train: { lr: 0.2, batchSize: 16 } });
    await expect(Engine.create(other, { workers: 0, resume: checkpoint })).rejects.toThrow(ConfigError);
    expect(() => checkCompatible(checkpoint!, other, VERSION)).toThrow(/belongs to a different config/);
    expect(() => checkCompatible({ ...checkpoint!, format: 99 }, config, VERSION)).toThrow(/format 99 is not this Plexus's format/);
    expect(() => checkCompatible({ ...checkpoint!, version: '0.0.1' }, config, VERSION)).toThrow(/written by Plexus 0\.0\.1/);
    expect(() => checkCompatible(checkpoint!, { ...config, rounds: 2 }, VERSION)).toThrow(/past the 2 rounds/);
  });

  it('keeps every typed array and number (NaN, Infinity) through the bytes', () => {
    const data = { a: Float32Array.from([1.5, NaN, -0]), b: [Int32Array.from([-7]), { c: new Uint8Array([1, 2, 3]) }], d: Infinity, e: 'x', f: null, g: Float64Array.from([Math.PI]), h: Uint32Array.from([2 ** 32 - 1]) };
    const back = decodeCheckpoint(encodeCheckpoint(data)) as typeof data;
    expect(back).toEqual(data);
    expect(Object.is(back.a[2], -0)).toBe(true);
    expect(() => decodeCheckpoint(Buffer.from('not a checkpoint at all'))).toThrow(/not a Plexus checkpoint/);
    expect(() => decodeCheckpoint(encodeCheckpoint(data).subarray(0, 40))).toThrow(/truncated/);
  });

  it('has the version of package.json', async () => {
    const { readFileSync } = await import('node:fs');
    expect(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version).toBe(VERSION);
  });
});
