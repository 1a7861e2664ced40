// The local step's stages and the round's metrics as plug-ins: the sign-SGD stage and the row-norm
// metric examples run through the built CLI inline and on 2 workers with the same bits; the
// metric's fields land in metrics.jsonl, peers.jsonl and the report; a faulty one is named.
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plexus, tempDir, writeConfig } from '../cli/helpers.js';
import { metricLines, pluginDir as examplesDir } from './examples.js';

const built = existsSync(join(process.cwd(), 'dist', 'src', 'step', 'pipeline.js'));

const base = `seed: 5
peers: 8
rounds: 6
topology: { kind: ring, k: 2 }
data: { dataset: { kind: blobs, classes: 3, features: 6, trainSize: 800, testSize: 200 }, examplesPerPeer: 50 }
model: { kind: logistic }
eval: { every: 3, testExamples: 200 }
`;

const pluginDir = () => examplesDir('plexus-pipeline-');

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const metrics = metricLines;

async function runBoth(dir: string, cfg: string): Promise<void> {
  for (const workers of ['0', '2']) {
    const r = await plexus(['run', cfg, '--out', join(dir, `w${workers}`), '--workers', workers, '-q']);
    expect(r.code, r.stderr).toBe(0);
  }
  expect(metrics(join(dir, 'w2'))).toEqual(metrics(join(dir, 'w0')));
  expect(readFileSync(join(dir, 'w2', 'peers.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'w0', 'peers.jsonl'), 'utf8'));
}

describe.skipIf(!built)('stages and metrics from plug-ins', () => {
  it('a sign-SGD stage changes training and gives the same bits inline and on 2 workers', async () => {
    const dir = pluginDir();
    const cfg = writeConfig(dir, 's.yaml', `name: sign\nplugins: [./sign-sgd.ts]\ntrain: { batchSize: 10, lr: 0.05, stages: [{ kind: sign-sgd }] }\n${base}`);
    await runBoth(dir, cfg);
    const plain = writeConfig(dir, 'p.yaml', `name: plain\ntrain: { batchSize: 10, lr: 0.05 }\n${base}`);
    const r = await plexus(['run', plain, '--out', join(dir, 'plain'), '--workers', '0', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(metrics(join(dir, 'w0'))).not.toEqual(metrics(join(dir, 'plain')));
    const resolved = JSON.parse(readFileSync(join(dir, 'w0', 'config.resolved.json'), 'utf8'));
    expect(resolved.train.stages).toEqual([{ kind: 'sign-sgd' }]);
  }, 90_000);

  it("runs in two live processes with the simulator's metrics; a configured metric is refused live (exit 2)", async () => {
    const dir = pluginDir();
    const cfg = writeConfig(dir, 'l.yaml', `name: sign-live\nplugins: [./sign-sgd.ts]\ntrain: { batchSize: 10, lr: 0.05, stages: [sign-sgd] }\n${base}`);
    const sim = await plexus(['run', cfg, '--out', join(dir, 'sim'), '--workers', '0', '-q']);
    expect(sim.code, sim.stderr).toBe(0);
    const live = await plexus(['live', cfg, '--processes', '2', '--out', join(dir, 'live'), '-q'], { timeout: 90_000 });
    expect(live.code, live.stderr).toBe(0);
    expect(metrics(join(dir, 'live'))).toEqual(metrics(join(dir, 'sim')));
    const withMetric = writeConfig(dir, 'm.yaml', `name: norm-live\nplugins: [./row-norm.ts]\nmetrics: [row-norm]\n${base}`);
    const refused = await plexus(['live', withMetric, '--processes', '2', '--out', join(dir, 'refused'), '-q']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/metrics: configured metrics do not run live yet/);
  }, 120_000);

  it('runs after DP-SGD\'s noise in a private run, the same on 0 and 2 workers', async () => {
    const dir = pluginDir();
    const cfg = writeConfig(dir, 'd.yaml', `name: dp-sign\nplugins: [./sign-sgd.ts]\ntrain: { batchSize: 10, stages: [{ kind: sign-sgd, scale: 0.01 }] }\nprivacy: { dp: { clip: 1, noise: 1 } }\n${base}`);
    await runBoth(dir, cfg);
  }, 90_000);

  it("a row-norm metric's fields appear in metrics.jsonl (every round), peers.jsonl (evaluation rounds) and the report, the same on 0 and 2 workers", async () => {
    const dir = pluginDir();
    const cfg = writeConfig(dir, 'm.yaml', `name: norm\nplugins: [./row-norm.ts]\nmetrics: [row-norm]\ntrain: { batchSize: 10 }\n${base}`);
    await runBoth(dir, cfg);
    const rounds = lines(join(dir, 'w0', 'metrics.jsonl'));
    expect(rounds.map((l) => l.round)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const l of rounds) expect(l.meanRowNorm).toBeGreaterThan(0);
    const peers = lines(join(dir, 'w0', 'peers.jsonl'));
    expect(peers.map((l) => l.round)).toEqual([3, 6]);
    for (const l of peers) {
      const norms = l.rowNorm as number[];
      expect(norms).toHaveLength(8);
      // every peer is honest: the round's mean is the mean of the per-peer norms
      const line = rounds.find((r) => r.round === l.round)!;
      expect(norms.reduce((a, b) => a + b, 0) / 8).toBeCloseTo(line.meanRowNorm as number, 10);
    }
    const rep = await plexus(['report', join(dir, 'w0'), '--out', join(dir, 'report')]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(readdirSync(join(dir, 'report'))).toContain('metric-meanRowNorm.svg');
    expect(readFileSync(join(dir, 'report', 'report.html'), 'utf8')).toContain('final meanRowNorm');
    const [head, row] = readFileSync(join(dir, 'report', 'summary.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const at = head.findIndex((c) => c.startsWith('final_meanRowNorm'));
    expect(at).toBeGreaterThan(-1);
    expect(Number(row[at])).toBeCloseTo(rounds.at(-1)!.meanRowNorm as number, 10);
  }, 90_000);

  it('a built-in metric is turned on the same way', async () => {
    const dir = tempDir('plexus-pipeline-');
    const cfg = writeConfig(dir, 'n.yaml', `name: near\nmetrics: [{ kind: near-consensus, epsilon: 1000 }]\ntrain: { batchSize: 10 }\n${base}`);
    const r = await plexus(['run', cfg, '--out', join(dir, 'out'), '--workers', '0', '-q']);
    expect(r.code, r.stderr).toBe(0);
    // every peer is within a huge epsilon of the mean
    expect(lines(join(dir, 'out', 'metrics.jsonl')).map((l) => l.nearConsensus)).toEqual([1, 1, 1, 1, 1, 1]);
  }, 60_000);

  describe('a faulty stage or metric fails the run naming its file, kind, round (and peer); the files so far are kept', () => {
    const faulty = `import { defineMetric, defineStage, definePlugin, z } from 'plexus';
export default definePlugin({ name: 'faulty',
  stages: [
    defineStage({ kind: 'nan-grad', schema: z.object({ kind: z.literal('nan-grad') }).strict(), summary: 'NaN for peer 3 at round 2', at: 'transform',
      create: () => (env) => { if (env.peer === 3 && env.round === 2) env.grad[4] = NaN; } }),
    defineStage({ kind: 'bad-label', schema: z.object({ kind: z.literal('bad-label') }).strict(), summary: 'a label out of range', at: 'batch',
      create: () => (env) => { if (env.peer === 6) env.y[0] = 200; } }),
  ],
  metrics: [defineMetric({ kind: 'throws', schema: z.object({ kind: z.literal('throws') }).strict(), summary: 'throws at round 4', fields: ['never'], every: 'round',
    measure: (_s, ctx) => { if (ctx.round === 4) throw new Error('metric bug'); return { never: 1 }; } })],
});
`;
    const cases: [string, RegExp][] = [
      ['train: { stages: [nan-grad] }', /plug-in .*faulty\.ts: stage 'nan-grad' wrote NaN \(gradient 4\) at round 2 for peer 3/],
      ['train: { stages: [bad-label] }', /plug-in .*faulty\.ts: stage 'bad-label' wrote label 200 \(example 0\) at round 1 for peer 6/],
      ['metrics: [throws]', /plug-in .*faulty\.ts: metric 'throws' threw at round 4: metric bug/],
    ];
    for (const [line, message] of cases) {
      it(line, async () => {
        const dir = pluginDir();
        writeFileSync(join(dir, 'faulty.ts'), faulty);
        for (const workers of ['0', '2']) {
          const cfg = writeConfig(dir, 'c.yaml', `name: faulty\nplugins: [./faulty.ts]\n${line}\n${base}`);
          const out = join(dir, `out-${workers}`);
          const r = await plexus(['run', cfg, '--out', out, '-q', '--workers', workers]);
          expect(r.code, r.stderr).toBe(1);
          expect(r.stderr).toMatch(message);
          expect(readdirSync(out)).toContain('metrics.jsonl');
          expect(readdirSync(out)).not.toContain('summary.json');
        }
      }, 60_000);
    }
  });

  it('refuses a metric whose field is a built-in one, and two metrics writing one field (exit 2, nothing written)', async () => {
    const dir = pluginDir();
    writeFileSync(join(dir, 'taken.ts'), `import { defineMetric, definePlugin, z } from 'plexus';
export default definePlugin({ name: 't', metrics: [defineMetric({ kind: 'mine', schema: z.object({ kind: z.literal('mine') }), summary: 's', fields: ['meanAccuracy'], measure: () => ({ meanAccuracy: 1 }) })] });
`);
    const cfg = writeConfig(dir, 'c.yaml', `name: taken\nplugins: [./taken.ts]\n${base}`);
    const r = await plexus(['run', cfg, '--out', join(dir, 'out'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/taken\.ts:\n {2}- metrics\[0\] \('mine'\): fields: 'meanAccuracy' is a built-in field of metrics\.jsonl/);
    const twice = writeConfig(dir, 'd.yaml', `name: twice\nmetrics: [near-consensus, { kind: near-consensus, epsilon: 1 }]\n${base}`);
    const t = await plexus(['run', twice, '--out', join(dir, 'out2'), '-q']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/metrics\[1\]: 'near-consensus' writes the field 'nearConsensus' that metrics\[0\] writes too/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(existsSync(join(dir, 'out2'))).toBe(false);
  }, 60_000);
});
