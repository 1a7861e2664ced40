// The local step as a pipeline of stages: features contribute stages instead of engine code, a
// stage that changes nothing changes no bit, an attack's poison() acts on its attackers from its
// start round only, and two stages that both choose the batch are refused.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { attackRegistry, defineAttack } from '../../src/adversary/index.js';
import { ConfigError } from '../../src/errors.js';
import { Engine } from '../../src/engine/engine.js';
import { createWorld } from '../../src/engine/setup.js';
import { metricRegistry } from '../../src/metrics/index.js';
import { defineStage, stageRegistry } from '../../src/step/index.js';
import { runRecorded, smallConfig, stripTimes, wholeAndResumed } from '../engine/helpers.js';

const SOURCE = '/tmp/test-stages.ts';
const poisoned: string[] = [];
attackRegistry.register(defineAttack({
  kind: 'test-poison',
  schema: z.object({ kind: z.literal('test-poison') }).strict(),
  summary: 'records which steps it poisons, and flips labels',
  poison(_spec, env) {
    poisoned.push(`${env.peer}@${env.round}`);
    for (let k = 0; k < env.size; k++) env.y[k] = (env.y[k] + 1) % env.classes;
  },
}), SOURCE);
stageRegistry.register(defineStage({
  kind: 'test-sampler',
  schema: z.object({ kind: z.literal('test-sampler') }).strict(),
  summary: 'always the first batchSize examples',
  at: 'sample',
  create: (_s, { batchSize }) => (env) => {
    env.indices = env.order;
    env.offset = env.shardStart;
    env.size = batchSize;
  },
}), SOURCE);
afterAll(() => {
  attackRegistry.unregisterSource(SOURCE);
  stageRegistry.unregisterSource(SOURCE);
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)]));
}

describe('the local-step pipeline', () => {
  it('the engine names no stage, attack or metric kind: features reach the local step through their stages', () => {
    const kinds = [...stageRegistry.kinds(), ...attackRegistry.kinds(), ...metricRegistry.kinds(), 'sign-sgd', 'row-norm', 'poisson-sampling'];
    for (const file of filesUnder(join(process.cwd(), 'src', 'engine'))) {
      const text = readFileSync(file, 'utf8');
      for (const k of kinds) expect(text.includes(`'${k}'`), `${file} names '${k}'`).toBe(false);
      expect(text.includes('poisonsLabels') || text.includes('privacy.sampling'), `${file} reads a feature's flag`).toBe(false);
    }
  });

  it('a transform stage that leaves the gradient alone gives the bits of the fused plain-SGD step', async () => {
    const plain = await runRecorded(smallConfig({ rounds: 6 }));
    const clipped = await runRecorded(smallConfig({ rounds: 6, train: { lr: 0.1, batchSize: 16, stages: [{ kind: 'clip-gradient', max: 1e9 }] } }));
    expect(stripTimes(clipped.rounds)).toEqual(stripTimes(plain.rounds));
    const tight = await runRecorded(smallConfig({ rounds: 6, train: { lr: 0.1, batchSize: 16, stages: [{ kind: 'clip-gradient', max: 1e-3 }] } }));
    expect(stripTimes(tight.rounds)).not.toEqual(stripTimes(plain.rounds));
  }, 60_000);

  it("an attack's poison() runs as a batch stage on its attackers' steps only, from its start round", async () => {
    poisoned.length = 0;
    const config = smallConfig({ rounds: 5, peers: 8, train: { lr: 0.1, batchSize: 16, localSteps: 2 }, adversaries: { peers: [2, 5], attack: { kind: 'test-poison' }, start: 3 } });
    const attacked = await runRecorded(config);
    expect([...new Set(poisoned)].sort()).toEqual(['2@3', '2@4', '2@5', '5@3', '5@4', '5@5']);
    expect(poisoned).toHaveLength(12); // two local steps each
    const clean = await runRecorded({ ...config, adversaries: undefined });
    expect(stripTimes(attacked.rounds)).not.toEqual(stripTimes(clean.rounds));
  }, 60_000);

  it('a plug-in sampler replaces the shuffled batches, and resumes exactly', async () => {
    const config = smallConfig({ rounds: 6, train: { lr: 0.1, batchSize: 16, stages: ['test-sampler'] } });
    const plain = await runRecorded(smallConfig({ rounds: 6 }));
    const fixed = await runRecorded(config);
    expect(stripTimes(fixed.rounds)).not.toEqual(stripTimes(plain.rounds));
    const { whole, resumed } = await wholeAndResumed(config, 3);
    expect(resumed).toEqual(whole);
  }, 60_000);

  it("refuses two stages that both choose a step's batch, naming both, before the run starts", () => {
    const config = smallConfig({ rounds: 2, train: { lr: 0.1, batchSize: 16, stages: ['test-sampler'] }, privacy: { dp: { clip: 1, noise: 1 } } });
    expect(() => createWorld(config, 'auto')).toThrow(ConfigError);
    expect(() => createWorld(config, 'auto')).toThrow(/privacy stage 'poisson-sampling' and stage 'test-sampler' both choose the batch \(sample\) of a step; keep one/);
  });
});

describe('metrics the config turns on', () => {
  it('add their fields to the round events, every round or on evaluation rounds, and resume exactly', async () => {
    const config = smallConfig({ rounds: 6, peers: 8, metrics: [{ kind: 'near-consensus', epsilon: 0.015 }] });
    const engine = await Engine.create(config, { workers: 0 });
    const seen: [number, number][] = [];
    engine.on('round', (m) => {
      // the share of peers within 0.015 of the mean, from the rows as they are when the line is emitted
      const rows = Array.from({ length: 8 }, (_, p) => engine.peerParams(p));
      const mean = rows[0].map((_, c) => rows.reduce((a, r) => a + r[c], 0) / 8);
      const near = rows.filter((r) => Math.sqrt(r.reduce((a, v, c) => a + (v - mean[c]) ** 2, 0)) <= 0.015).length / 8;
      seen.push([(m as unknown as Record<string, number>).nearConsensus, near]);
    });
    await engine.run();
    await engine.close();
    expect(seen).toHaveLength(6);
    for (const [field, near] of seen) expect(field).toBeCloseTo(near, 12);
    expect(new Set(seen.map(([f]) => f)).size).toBeGreaterThan(1);
    const { whole, resumed } = await wholeAndResumed(config, 3);
    expect(resumed).toEqual(whole);
  }, 60_000);
});
