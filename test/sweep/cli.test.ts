// `plexus sweep` end to end through the built CLI: runs, skipping finished runs on a second
// invocation, redoing changed ones, recording failures, and Ctrl-C (once and twice).
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { records, startSweep, sweep, tinyBase, until, workspace } from './helpers.js';

const mtime = (p: string) => statSync(p).mtimeMs;

describe('plexus sweep', () => {
  it('runs every combination and seed into runs/sweeps/<name>, then skips them all when run again', async () => {
    const ws = workspace({ 'base.yaml': tinyBase, 'lr.yaml': 'base: base.yaml\nseeds: [1, 2]\ngrid:\n  train.lr: [0.05, 0.1]\n' });
    const first = await sweep(['lr.yaml', '--parallel', '2'], ws);
    expect(first.code, first.stderr).toBe(0);
    const out = join(ws, 'runs', 'sweeps', 'lr');
    const recs = records(out);
    expect(recs.map((r) => r.id)).toEqual(['train.lr=0.05/seed-1', 'train.lr=0.05/seed-2', 'train.lr=0.1/seed-1', 'train.lr=0.1/seed-2']);
    for (const r of recs) {
      expect(r).toMatchObject({ status: 'done', exitCode: 0, error: null, dir: r.id, rounds: 5 });
      expect(r.params).toEqual({ 'train.lr': r.id.startsWith('train.lr=0.05') ? 0.05 : 0.1 });
      expect(r.seed).toBe(Number(r.id.slice(-1)));
      for (const k of ['finalMeanAccuracy', 'finalConsensusDistance', 'bytesSent', 'wallSeconds']) expect(typeof r[k]).toBe('number');
      const resolved = JSON.parse(readFileSync(join(out, r.dir, 'config.resolved.json'), 'utf8'));
      expect(resolved).toMatchObject({ seed: r.seed, train: { lr: r.params['train.lr'] } });
    }
    expect(first.stderr.match(/^done /gm)).toHaveLength(4);
    const summaries = recs.map((r) => join(out, r.dir, 'summary.json'));
    const before = summaries.map(mtime);

    const second = await sweep(['lr.yaml', '--parallel', '2'], ws);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/nothing to run: all 4 run\(s\) finished earlier with the same config/);
    expect(second.stderr).not.toMatch(/^start /m);
    expect(summaries.map(mtime)).toEqual(before);
    expect(records(out)).toEqual(recs);

    // a changed base changes every run's config: said, and redone
    writeFileSync(join(ws, 'base.yaml'), tinyBase.replace('rounds: 5', 'rounds: 6'));
    writeFileSync(join(ws, 'lr.yaml'), 'base: base.yaml\nseeds: [1]\ngrid:\n  train.lr: [0.05, 0.1]\n');
    const third = await sweep(['lr.yaml', '--parallel', '2'], ws);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toMatch(/redo train\.lr=0\.05\/seed-1: its config changed since it ran \(rounds: 5 then, 6 now\)/);
    expect(records(out).map((r) => [r.id, r.rounds])).toEqual([['train.lr=0.05/seed-1', 6], ['train.lr=0.1/seed-1', 6]]);
  }, 120_000);

  it('records a run that fails at run time with its error, finishes the others and exits 1', async () => {
    const ws = workspace({ 'base.yaml': tinyBase, 'f.yaml': 'base: base.yaml\nseeds: [1]\ngrid:\n  train.lr: [1.0e30, 0.1]\n' });
    const r = await sweep(['f.yaml', '--out', 'out', '--parallel', '2'], ws);
    expect(r.code, r.stderr).toBe(1);
    const [bad, good] = records(join(ws, 'out'));
    expect(bad).toMatchObject({ id: 'train.lr=1e+30/seed-1', status: 'failed', exitCode: 1, finalMeanAccuracy: null });
    expect(bad.error).toMatch(/diverged/);
    expect(good).toMatchObject({ id: 'train.lr=0.1/seed-1', status: 'done', exitCode: 0 });
    expect(r.stderr).toMatch(/^failed .*train\.lr=1e\+30\/seed-1 .*exit 1: plexus: .*diverged/m);
    expect(r.stderr).toMatch(/sweep finished: 1 done, 1 failed, 0 interrupted/);
  }, 60_000);

  describe('refuses a bad sweep before anything runs (exit 2, no directory)', () => {
    const cases: [string, string, RegExp][] = [
      ['an unknown top-level key', 'base: base.yaml\nseeds: [1]\ngrdi: {}\n', /grdi: unknown key \(did you mean 'grid'\?\)/],
      ['a missing base', 'base: gone.yaml\nseeds: [1]\n', /base: gone\.yaml: no such file/],
      ['seeds that are not whole numbers >= 0', 'base: base.yaml\nseeds: [1, -1]\n', /seeds\[1\]: -1 is not a whole number >= 0/],
      ['a grid value that is not a list', 'base: base.yaml\nseeds: [1]\ngrid:\n  train.lr: 0.1\n', /grid\.train\.lr: must be a non-empty list of values/],
      ['a grid key that is not a config path', 'base: base.yaml\nseeds: [1]\ngrid:\n  train.lrr: [0.1]\n', /grid\.train\.lrr: not a config path: .*did you mean 'train\.lr'/],
      ['a YAML error', 'base: base.yaml\nseeds: [1\ngrid: {}\n', /bad\.yaml line 3, column 1/],
      ['a combination whose config is invalid', 'base: base.yaml\nseeds: [1]\ngrid:\n  train.lr: [0.1, -1]\n', /\[train\.lr=-1\] train\.lr: must be >= 0 \(got -1\)/],
    ];
    const ws = workspace({ 'base.yaml': tinyBase });
    for (const [what, text, message] of cases) {
      it(what, async () => {
        writeFileSync(join(ws, 'bad.yaml'), text);
        const r = await sweep(['bad.yaml', '--out', 'out'], ws);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(existsSync(join(ws, 'out'))).toBe(false);
      }, 30_000);
    }
    it('--parallel 0, and --out onto a directory that is not a sweep', async () => {
      writeFileSync(join(ws, 'ok.yaml'), 'base: base.yaml\nseeds: [1]\n');
      const zero = await sweep(['ok.yaml', '--parallel', '0'], ws);
      expect(zero.code).toBe(2);
      expect(zero.stderr).toMatch(/--parallel must be an integer >= 1/);
      const taken = await sweep(['ok.yaml', '--out', '.'], ws);
      expect(taken.code).toBe(2);
      expect(taken.stderr).toMatch(/holds \d+ file\(s\) that are not a Plexus sweep/);
    }, 30_000);
  });

  it('Ctrl-C lets the running run finish its round, records it as interrupted and exits 130; running again finishes only the rest', async () => {
    const ws = workspace({
      'base.yaml': tinyBase.replace('every: 5', 'every: 10'),
      // two quick runs, then two of 4000 rounds (a few seconds each), one at a time
      'i.yaml': 'base: base.yaml\nseeds: [1, 2]\ngrid:\n  rounds: [10, 4000]\n',
    });
    const s = startSweep(['i.yaml', '--out', 'out', '--parallel', '1'], ws);
    await until(() => /rounds=4000\/seed-1: round/.test(s.stderr()), 60_000, 'the first long run to report a round');
    s.kill('SIGINT');
    const exit = await s.exited;
    expect(exit.code, s.stderr()).toBe(130);
    expect(s.stderr()).toMatch(/interrupted: starting no more runs/);
    expect(s.stderr()).toMatch(/sweep interrupted: 2 done, 0 failed, 1 interrupted, 1 not started/);
    const out = join(ws, 'out');
    const recs = records(out);
    expect(recs.map((r) => [r.id, r.status])).toEqual([
      ['rounds=10/seed-1', 'done'],
      ['rounds=10/seed-2', 'done'],
      ['rounds=4000/seed-1', 'interrupted'],
    ]);
    expect(recs[2].exitCode).toBe(130);
    expect(recs[2].rounds).toBeLessThan(4000);
    expect(JSON.parse(readFileSync(join(out, 'rounds=4000/seed-1/summary.json'), 'utf8')).aborted).toBe(true);
    const quick = [join(out, 'rounds=10/seed-1/summary.json'), join(out, 'rounds=10/seed-2/summary.json')];
    const before = quick.map(mtime);

    const again = await sweep(['i.yaml', '--out', 'out', '--parallel', '2'], ws);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/2 finished earlier \(skipped\), 2 to run/);
    expect(again.stderr).toMatch(/redo rounds=4000\/seed-1: interrupted after \d+ rounds/);
    expect(again.stderr.match(/^start .*$/gm)).toEqual(['start       rounds=4000/seed-1', 'start       rounds=4000/seed-2']);
    expect(quick.map(mtime)).toEqual(before);
    expect(records(out).map((r) => [r.id, r.status, r.rounds])).toEqual([
      ['rounds=10/seed-1', 'done', 10],
      ['rounds=10/seed-2', 'done', 10],
      ['rounds=4000/seed-1', 'done', 4000],
      ['rounds=4000/seed-2', 'done', 4000],
    ]);
  }, 120_000);

  it('a second Ctrl-C stops the running runs at once', async () => {
    // rounds of a few seconds, so the second Ctrl-C lands inside one
    const ws = workspace({
      'slow.yaml': `peers: 16
rounds: 1000
topology: { kind: ring, k: 1 }
data: { dataset: { kind: blobs, classes: 10, features: 784, trainSize: 4000, testSize: 500 }, examplesPerPeer: 250 }
model: { kind: mlp, hidden: [256] }
train: { batchSize: 64, localSteps: 20 }
eval: { every: 1, testExamples: 500 }
`,
      'k.yaml': 'base: slow.yaml\nseeds: [1, 2, 3]\n',
    });
    const s = startSweep(['k.yaml', '--out', 'out', '--parallel', '1'], ws);
    await until(() => /base\/seed-1: round/.test(s.stderr()), 90_000, 'the first round');
    s.kill('SIGINT');
    await until(() => /^interrupted:/m.test(s.stderr()), 10_000, 'the first Ctrl-C to be seen');
    const second = performance.now();
    s.kill('SIGINT');
    const exit = await s.exited;
    expect(exit.code, s.stderr()).toBe(130);
    expect(exit.at - second).toBeLessThan(1500);
    expect(s.stderr()).toMatch(/interrupted again: stopping the running runs now/);
    expect(records(join(ws, 'out'))).toEqual([expect.objectContaining({ id: 'base/seed-1', status: 'interrupted', exitCode: null })]);
  }, 120_000);
});
