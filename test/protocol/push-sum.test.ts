// Push-sum contract: sum_i w_i z_i and sum_i w_i are conserved exactly (up to float rounding)
// on any graph and schedule, and the de-biased estimates z_i reach the true initial average on
// strongly connected digraphs, where plain averaging settles on a biased point.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { Engine } from '../../src/engine/engine.js';
import { gossipConfig, meanRow, norm, runWithParams, spread } from './helpers.js';

const hub = resolve(__dirname, '../../experiments/graphs/directed-hub-16.txt');

describe('push-sum', () => {
  for (const topology of [
    { kind: 'directed-ring' },
    { kind: 'directed-exponential' },
    { kind: 'file', path: hub, directed: true },
    { kind: 'ring', k: 1 },
    { kind: 'complete', schedule: 'random-matching' },
    { kind: 'directed-exponential', schedule: 'one-peer-exponential' },
  ]) {
    const name = `${topology.kind}${'schedule' in topology ? ` (${topology.schedule})` : ''}`;
    it(`conserves sum(w z) and sum(w), and reaches the true average, on ${name}`, async () => {
      const config = gossipConfig({ topology, rounds: topology.kind === 'directed-ring' ? 400 : 150, protocol: { kind: 'push-sum' } });
      const run = await runWithParams(config);
      const truth = meanRow(run.initial);
      const s0 = spread(run.initial);
      // conservation: the weighted mean of the de-biased rows is the initial mean
      expect(norm(meanRow(run.final, run.weights), truth) / s0).toBeLessThan(1e-5);
      const wSum = run.weights.reduce((a, b) => a + b, 0);
      expect(wSum).toBeCloseTo(16, 9);
      // convergence: every peer's estimate is at the true average
      for (const row of run.final) expect(norm(row, truth) / s0).toBeLessThan(1e-3);
    }, 30_000);
  }

  it('is exact on a directed graph where plain averaging is biased', async () => {
    const topology = { kind: 'file', path: hub, directed: true };
    const pushSum = await runWithParams(gossipConfig({ topology, rounds: 300, protocol: { kind: 'push-sum' } }));
    const plain = await runWithParams(gossipConfig({ topology, rounds: 300, protocol: { kind: 'push-sum', debias: false } }));
    const truth = meanRow(pushSum.initial);
    const s0 = spread(pushSum.initial);
    const biasOf = (rows: Float64Array[]) => norm(meanRow(rows), truth) / s0;
    // both reach consensus...
    expect(pushSum.rounds.at(-1)!.consensusDistance).toBeLessThan(1e-8 * pushSum.rounds[0].consensusDistance + 1e-12);
    expect(plain.rounds.at(-1)!.consensusDistance).toBeLessThan(1e-8 * plain.rounds[0].consensusDistance + 1e-12);
    // ...but only push-sum on the average
    expect(biasOf(pushSum.final)).toBeLessThan(1e-4);
    expect(biasOf(plain.final)).toBeGreaterThan(0.1);
  }, 30_000);

  it('gives the same metrics inline and with 2 workers', async () => {
    const config = gossipConfig({ topology: { kind: 'directed-exponential' }, rounds: 8, protocol: 'push-sum', train: { lr: 0.1, batchSize: 16 } });
    const a = await runWithParams(config, 0);
    const b = await runWithParams(config, 2);
    expect(b.rounds.map(({ roundSeconds: _, ...r }) => r)).toEqual(a.rounds.map(({ roundSeconds: _, ...r }) => r));
  }, 30_000);

  it('rejects a graph where some peer has no out-neighbour, naming the peer', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'plexus-ps-'));
    const path = join(dir, 'sink.txt');
    writeFileSync(path, Array.from({ length: 15 }, (_, i) => `${i} ${i + 1}`).join('\n') + '\n'); // 15 has no out-edge
    const config = gossipConfig({ topology: { kind: 'file', path, directed: true }, protocol: 'push-sum' });
    const err = await Engine.create(config, { workers: 0 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues[0]).toMatch(/^topology: peer 15 has no out-neighbour, so push-sum/);
  });
});
