// Ctrl-C as documented, in every mode: the first finishes the round and writes the files
// (summary.json with aborted: true), the second stops at once; both exit with status 130.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, lineCount, shellStatus, start, tempDir, until, writeConfig } from './helpers.js';

const dir = tempDir('plexus-sigint-');

// rounds without end, so only Ctrl-C stops them
const endless = writeConfig(dir, 'endless.yaml', `peers: 16
rounds: 10000000
topology: { kind: ring, k: 1 }
data: { dataset: { kind: blobs, classes: 3, features: 6, trainSize: 1600, testSize: 200 }, examplesPerPeer: 100 }
model: { kind: logistic }
train: { batchSize: 10 }
eval: { every: 50, testExamples: 200 }
`);
const endlessAsync = writeConfig(dir, 'endless-async.yaml', readFileSync(endless, 'utf8') + `protocol: gossip-learning
time: { mode: async, latency: 0.05 }
`);
// about a second per round on two workers, so a second Ctrl-C lands inside one
const slow = writeConfig(dir, 'slow.yaml', `peers: 16
rounds: 10000000
topology: { kind: ring, k: 1 }
data: { dataset: { kind: blobs, classes: 10, features: 784, trainSize: 4000, testSize: 500 }, examplesPerPeer: 250 }
model: { kind: mlp, hidden: [256] }
train: { batchSize: 64, localSteps: 30 }
eval: { every: 1000, testExamples: 500 }
`);

const modes: [string, string, string[]][] = [
  ['inline (--workers 0)', endless, ['--workers', '0']],
  ['on a worker pool (--workers 2)', endless, ['--workers', '2']],
  ['in asynchronous time (gossip learning)', endlessAsync, []],
];

describe('Ctrl-C during plexus run', () => {
  for (const [mode, config, flags] of modes) {
    it(`${mode}: the first finishes the round, writes summary.json with aborted: true and exits 130`, async () => {
      const out = join(dir, `once-${flags.join('') || 'async'}`);
      const run = start(['run', config, '--out', out, '-q', ...flags]);
      await until(() => lineCount(join(out, 'metrics.jsonl')) >= 3, 60_000, 'three rounds', run);
      run.child.kill('SIGINT');
      const exit = await Promise.race([run.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`still running after Ctrl-C:\n${run.stderr()}`)), 20_000))]);
      expect(exit.code).toBe(130);
      expect(run.stderr()).toMatch(/interrupted: finishing the current round/);
      expect(run.stderr()).toMatch(/stopped early/);
      const rounds = jsonLines(join(out, 'metrics.jsonl')).map((l) => l.round);
      expect(rounds).toEqual(rounds.map((_, i) => i + 1));
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      expect(summary.aborted).toBe(true);
      expect(summary.rounds).toBe(rounds.length);
      expect(summary.rounds).toBeLessThan(10_000_000);
    }, 90_000);
  }

  it('a second Ctrl-C stops at once, in the middle of a round, leaving only complete lines', async () => {
    const out = join(dir, 'twice');
    const run = start(['run', slow, '--out', out, '-q', '--workers', '2']);
    await until(() => lineCount(join(out, 'metrics.jsonl')) >= 1, 90_000, 'the first round', run);
    // just after a round ended: both presses land early in the next one
    const done = lineCount(join(out, 'metrics.jsonl'));
    await until(() => lineCount(join(out, 'metrics.jsonl')) > done, 90_000, 'the next round', run);
    run.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    const second = performance.now();
    run.child.kill('SIGINT');
    const exit = await run.exited;
    expect(exit.code).toBe(130);
    // a round takes about a second here; stopping did not wait for it
    expect(exit.at - second).toBeLessThan(1000);
    const rounds = jsonLines(join(out, 'metrics.jsonl')).map((l) => l.round);
    expect(rounds.length).toBeGreaterThanOrEqual(1);
    jsonLines(join(out, 'peers.jsonl'));
    // an unfinished run: no summary, so a later --out onto it is refused without --force
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
  }, 120_000);

  it('during set-up, removes what the run had created and exits 130', async () => {
    // a dense graph: seconds of set-up (graph, mixing weights, spectral gap) after the files exist
    const dense = writeConfig(dir, 'dense.yaml', `peers: 2500
rounds: 5
topology: complete
data: { dataset: { kind: blobs, classes: 3, features: 6, trainSize: 25000, testSize: 200 }, examplesPerPeer: 10 }
model: { kind: logistic }
train: { batchSize: 10 }
eval: { testExamples: 200 }
`);
    const out = join(dir, 'setup', 'run');
    const run = start(['run', dense, '--out', out, '-q', '--workers', '0']);
    await until(() => existsSync(join(out, 'config.resolved.json')), 60_000, 'the run files', run);
    run.child.kill('SIGINT');
    expect(shellStatus(await run.exited)).toBe(130);
    expect(run.stderr()).toMatch(/interrupted: stopping after set-up/);
    expect(existsSync(join(dir, 'setup'))).toBe(false);
  }, 90_000);

  it('inline, Ctrl-C twice also exits 130 with only complete lines', async () => {
    const out = join(dir, 'twice-inline');
    const run = start(['run', endless, '--out', out, '-q', '--workers', '0']);
    await until(() => lineCount(join(out, 'metrics.jsonl')) >= 3, 60_000, 'three rounds', run);
    run.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 30));
    run.child.kill('SIGINT');
    // the second may land after the run, while Node tears the process down (it then dies of the
    // signal; a shell reports 130 all the same)
    expect(shellStatus(await run.exited)).toBe(130);
    const rounds = jsonLines(join(out, 'metrics.jsonl')).map((l) => l.round);
    expect(rounds).toEqual(rounds.map((_, i) => i + 1));
  }, 90_000);
});
