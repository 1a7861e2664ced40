// The built CLI (npm run build first, as npm test does): exit 0 with the files, exit 2 with one
// clear message for each kind of bad input.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, writeRun, writeThreeAndTwo } from './fixtures.js';

const BIN = join(process.cwd(), 'bin', 'plexus.js');
const exec = promisify(execFile);

async function report(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, 'report', ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('plexus report', { timeout: 60_000 }, () => {
  let root: string;
  beforeAll(() => {
    root = tempDir();
    writeThreeAndTwo(join(root, 'runs'));
  });

  it('writes report.html, the figures and summary.csv into report/ inside the first DIR by default', async () => {
    const r = await report([join(root, 'runs')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/5 runs in 2 groups: ring, k=1 n=3; torus, rows=2, cols=2 n=2/);
    for (const f of ['report.html', 'accuracy.svg', 'accuracy.png', 'consensus.svg', 'consensus.png', 'summary.csv']) {
      expect(existsSync(join(root, 'runs', 'report', f)), f).toBe(true);
    }
  });

  it('takes --out, --by and --x, and replaces an earlier report', async () => {
    const out = join(root, 'out');
    for (let i = 0; i < 2; i++) {
      const r = await report([join(root, 'runs'), '--out', out, '--by', 'topology.kind', '--x', 'bytes']);
      expect(r.code).toBe(0);
    }
    expect(readFileSync(join(out, 'summary.csv'), 'utf8').split('\n')[0]).toMatch(/^topology\.kind,n,/);
    expect(readFileSync(join(out, 'accuracy.svg'), 'utf8')).toContain('bytes sent, all peers (B)');
  });

  it('warns about a cut-off metrics line and still reports', async () => {
    const dir = join(tempDir(), 'run');
    writeRun(dir, { seed: 1, accuracy: [0.5, 0.8], consensus: [1, 0.5, 0.2, 0.1], tail: '{"round":5,"cons' });
    const r = await report([dir, '--out', join(dir, '..', 'rep')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*metrics\.jsonl: line 5 is cut short/);
  });

  describe('exits 2 with a message naming the problem', () => {
    const expectUsage = (r: { code: number; stderr: string }, message: RegExp) => {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    };

    it('for a directory that holds no runs', async () => {
      const empty = tempDir();
      mkdirSync(join(empty, 'nothing'));
      expectUsage(await report([empty]), /not a run directory.*not a sweep directory/);
      expectUsage(await report([join(empty, 'missing')]), /no such directory/);
    });

    it('for a run with no metrics', async () => {
      const dir = join(tempDir(), 'run');
      writeRun(dir, { seed: 1, accuracy: [0.5, 0.8], consensus: [1, 1, 1, 1] });
      writeFileSync(join(dir, 'metrics.jsonl'), '');
      expectUsage(await report([dir]), /metrics\.jsonl: no metrics/);
    });

    it('for --by naming a key the configs lack', async () => {
      expectUsage(await report([join(root, 'runs'), '--by', 'topology.knd', '--out', join(root, 'x')]), /--by: 'topology\.knd' is not a key.*did you mean 'topology\.kind'/);
      expect(existsSync(join(root, 'x'))).toBe(false);
    });

    it('for --x time with synchronous runs', async () => {
      expectUsage(await report([join(root, 'runs'), '--x', 'time', '--out', join(root, 'y')]), /--x time: 5 of the 5 runs are synchronous.*--x wall/);
    });

    it('for an --x that is not an axis', async () => {
      expectUsage(await report([join(root, 'runs'), '--x', 'epochs']), /--x.*epochs.*round, bytes, time, wall/);
    });

    it('for an --out that cannot be written', async () => {
      const file = join(tempDir(), 'a-file');
      writeFileSync(file, 'x');
      expectUsage(await report([join(root, 'runs'), '--out', join(file, 'report')]), /--out: cannot use .*a-file is a file, not a directory/);
      const ro = join(tempDir(), 'ro');
      mkdirSync(ro);
      mkdirSync(join(ro, 'summary.csv')); // a directory where the file must go: unwritable even for root
      expectUsage(await report([join(root, 'runs'), '--out', ro]), /--out: cannot write .*summary\.csv/);
    });
  });
});
