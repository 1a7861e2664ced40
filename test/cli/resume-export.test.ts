// plexus run --checkpoint-every / --save-final, plexus resume and plexus export, through the
// built CLI: a stopped and resumed run directory holds exactly the uninterrupted run's lines, and
// an exported model loads with tf.loadLayersModel and scores what the run reported.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../../src/config/resolve.js';
import { loadDataset } from '../../src/engine/setup.js';
import { jsonLines, lineCount, plexus, shellStatus, start, tempDir, tiny, until, writeConfig } from './helpers.js';

const dir = tempDir('plexus-resume-');
const sync = writeConfig(dir, 'sync.yaml', tiny.replace('rounds: 6', 'rounds: 12'));
const async = writeConfig(dir, 'async.yaml', tiny.replace('rounds: 6', 'rounds: 12') + 'protocol: { kind: gossip-learning, variant: push-pull }\ntime: { mode: async, latency: 0.2, drop: 0.1 }\n');

/** The run's lines without wall-clock fields. */
function lines(run: string): string {
  const metrics = jsonLines(join(run, 'metrics.jsonl')).map(({ roundSeconds: _s, ...rest }) => rest);
  return JSON.stringify({ metrics, peers: jsonLines(join(run, 'peers.jsonl')) });
}

describe('checkpoint and resume from the command line', () => {
  for (const [name, config, workers] of [['sync, inline', sync, '0'], ['sync, 2 workers', sync, '2'], ['async', async, '0']] as const) {
    it(`${name}: a run stopped at round 7 and resumed writes the uninterrupted run's lines`, async () => {
      const tag = `${name.replace(/\W+/g, '-')}`;
      const whole = join(dir, `${tag}-whole`);
      const part = join(dir, `${tag}-part`);
      expect((await plexus(['run', config, '--out', whole, '-q', '--workers', workers])).code).toBe(0);
      const first = await plexus(['run', config, '--out', part, '-q', '--workers', workers, '--rounds', '7', '--save-final']);
      expect(first.code).toBe(0);
      expect(first.stderr).toMatch(/checkpoint: .*checkpoint\.bin \(round 7\)/);
      const resumed = await plexus(['resume', part, '-q', '--workers', workers, '--rounds', '12']);
      expect(resumed.stderr).toMatch(/resuming .* from round 7 of 12/);
      expect(resumed.code).toBe(0);
      expect(lines(part)).toBe(lines(whole));
      const summary = JSON.parse(readFileSync(join(part, 'summary.json'), 'utf8'));
      expect(summary.finalMeanAccuracy).toBe(JSON.parse(readFileSync(join(whole, 'summary.json'), 'utf8')).finalMeanAccuracy);
    }, 120_000);
  }

  it('Ctrl-C writes a checkpoint, and resume finishes the run as if it had never stopped', async () => {
    const endless = writeConfig(dir, 'endless.yaml', tiny.replace('rounds: 6', 'rounds: 100000'));
    const out = join(dir, 'interrupted');
    const run = start(['run', endless, '--out', out, '-q', '--workers', '0', '--checkpoint-every', '2']);
    await until(() => lineCount(join(out, 'metrics.jsonl')) >= 3, 60_000, 'three rounds', run);
    run.child.kill('SIGINT');
    expect(shellStatus(await run.exited)).toBe(130);
    expect(run.stderr()).toMatch(/continue with: plexus resume/);
    const stoppedAt = jsonLines(join(out, 'metrics.jsonl')).length;
    const rounds = String(stoppedAt + 20);
    const resumed = await plexus(['resume', out, '-q', '--rounds', rounds]);
    expect(resumed.code).toBe(0);
    const whole = join(dir, 'never-interrupted');
    expect((await plexus(['run', endless, '--out', whole, '-q', '--workers', '0', '--rounds', rounds])).code).toBe(0);
    expect(lines(out)).toBe(lines(whole));
  }, 120_000);

  it('refuses what cannot be resumed, with exit 2 and a reason', async () => {
    const plain = join(dir, 'no-checkpoint');
    expect((await plexus(['run', sync, '--out', plain, '-q', '--rounds', '3'])).code).toBe(0);
    const none = await plexus(['resume', plain]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no checkpoint here; run with --checkpoint-every N/);
    const done = join(dir, 'done');
    expect((await plexus(['run', sync, '--out', done, '-q', '--rounds', '3', '--save-final'])).code).toBe(0);
    const finished = await plexus(['resume', done]);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toMatch(/finished all 3 rounds; give --rounds N/);
    const cfg = JSON.parse(readFileSync(join(done, 'config.resolved.json'), 'utf8'));
    cfg.train.lr = 0.3;
    writeFileSync(join(done, 'config.resolved.json'), JSON.stringify(cfg));
    const other = await plexus(['resume', done, '--rounds', '5']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/belongs to a different config/);
    expect((await plexus(['resume', join(dir, 'nowhere')])).code).toBe(2);
  }, 120_000);
});

describe('plexus export', () => {
  it('writes a model that tf.loadLayersModel loads and that scores what the run reported for that peer', async () => {
    const run = join(dir, 'to-export');
    expect((await plexus(['run', sync, '--out', run, '-q', '--save-final'])).code).toBe(0);
    const out = join(dir, 'exported');
    const exported = await plexus(['export', run, '--peer', '3', '--out', out]);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/exported peer 3 at round 12/);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    const weights = readFileSync(join(out, json.weightsManifest[0].paths[0]));
    const model = await tf.loadLayersModel({
      load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) }),
    });
    const config = resolveConfig(JSON.parse(readFileSync(join(run, 'config.resolved.json'), 'utf8')));
    const { test, features } = loadDataset(config);
    const n = config.eval.testExamples;
    const predicted = tf.tidy(() => (model.predict(tf.tensor2d(test.x.subarray(0, n * features), [n, features])) as tf.Tensor).argMax(1).dataSync());
    const accuracy = predicted.reduce((s, p, i) => s + (p === test.y[i] ? 1 : 0), 0) / n;
    const reported = (jsonLines(join(run, 'peers.jsonl')).at(-1)!.accuracy as number[])[3];
    expect(accuracy).toBeCloseTo(reported, 10);
    model.dispose();
    const again = await plexus(['export', run, '--average', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a model; add --force/);
    expect((await plexus(['export', run, '--average', '--out', out, '--force'])).code).toBe(0);
  }, 120_000);

  it('refuses bad requests with exit 2', async () => {
    const run = join(dir, 'to-export-bad');
    expect((await plexus(['run', sync, '--out', run, '-q', '--rounds', '2', '--save-final'])).code).toBe(0);
    const both = await plexus(['export', run, '--peer', '1', '--average', '--out', join(dir, 'x1')]);
    expect([both.code, both.stderr]).toEqual([2, expect.stringMatching(/exactly one of --peer K or --average/)]);
    const far = await plexus(['export', run, '--peer', '99', '--out', join(dir, 'x2')]);
    expect([far.code, far.stderr]).toEqual([2, expect.stringMatching(/--peer: 99 is not a peer of this run \(0 to 7\)/)]);
    const noOut = await plexus(['export', run, '--peer', '1']);
    expect(noOut.code).toBe(2);
    const noCp = await plexus(['export', dir, '--peer', '1', '--out', join(dir, 'x3')]);
    expect([noCp.code, noCp.stderr]).toEqual([2, expect.stringMatching(/no checkpoint here/)]);
  }, 60_000);
});
