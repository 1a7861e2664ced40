// What `plexus report` reads and writes: never through a link (in DIR/report/ or as --out), a
// damaged summary.json refused naming the file, and runs of 70,000 and 100,000 rounds reported.
import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { baseConfig, tempDir, writeRun } from './fixtures.js';

const BIN = join(process.cwd(), 'bin', 'plexus.js');
const exec = promisify(execFile);

async function report(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, 'report', ...args], { timeout: 120_000, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Every file below `dir` (links as their target's name), for byte-identical comparisons. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    const st = lstatSync(p);
    out[name] = st.isSymbolicLink() ? `link` : st.isFile() ? readFileSync(p, 'base64') : 'dir';
  }
  return out;
}

const run = (dir: string, seed = 1) => writeRun(dir, { seed, accuracy: [0.5, 0.8], consensus: [1, 0.1, 0.01, 0.001] });

function expectUsage(r: { code: number; stderr: string }, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/unexpected failure|\n\s+at /);
}

/** A finished run of `rounds` rounds (accuracy every 10), written in one piece. */
function writeLongRun(dir: string, rounds: number): string {
  mkdirSync(dir, { recursive: true });
  const config = { ...baseConfig, name: `long-${rounds}`, rounds, eval: { every: 10 } };
  const lines: string[] = [];
  for (let r = 1; r <= rounds; r++) {
    const acc = r % 10 === 0 ? `,"meanAccuracy":${0.5 + (0.4 * r) / rounds},"minAccuracy":0,"maxAccuracy":1,"meanLoss":1` : '';
    lines.push(`{"round":${r},"consensusDistance":${1 / r},"bytesSent":100,"roundSeconds":0.01${acc}}`);
  }
  writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'config.resolved.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ config, finalMeanAccuracy: 0.9, finalMinAccuracy: 0, finalConsensusDistance: 1 / rounds, bytesSent: 100 * rounds, wallSeconds: 2, peerStepsPerSecond: 8, rounds, aborted: false }));
  return dir;
}

describe('plexus report and the files around it', { timeout: 120_000 }, () => {
  it('replaces a link in DIR/report/ with its own file, leaving the link\'s target outside the run byte-identical', async () => {
    const root = tempDir();
    const dir = run(join(root, 'run'));
    const outside = join(root, 'outside.txt');
    writeFileSync(outside, 'not the report\n');
    mkdirSync(join(dir, 'report'));
    symlinkSync(outside, join(dir, 'report', 'report.html'));
    symlinkSync(outside, join(dir, 'report', 'summary.csv'));
    const r = await report([dir, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(outside, 'utf8')).toBe('not the report\n');
    expect(lstatSync(join(dir, 'report', 'report.html')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'report', 'report.html'), 'utf8')).toMatch(/<html/);
    expect(lstatSync(join(dir, 'report', 'summary.csv')).isFile()).toBe(true);
  });

  it('refuses --out that is a symbolic link (exit 2), writing nothing into its target', async () => {
    const root = tempDir();
    const dir = run(join(root, 'run'));
    const target = join(root, 'elsewhere');
    mkdirSync(target);
    symlinkSync(target, join(root, 'out-link'));
    const before = snapshot(dir);
    expectUsage(await report([dir, '--out', join(root, 'out-link')]), /--out: .*out-link is a symbolic link \(to .*elsewhere\); Plexus never writes through links/);
    expect(readdirSync(target)).toEqual([]);
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a DIR/report that is a symbolic link, the default --out', async () => {
    const root = tempDir();
    const dir = run(join(root, 'run'));
    const target = join(root, 'elsewhere');
    mkdirSync(target);
    symlinkSync(target, join(dir, 'report'));
    expectUsage(await report([dir]), /report is a symbolic link/);
    expect(readdirSync(target)).toEqual([]);
  });

  for (const [what, text] of [['null', 'null'], ['garbage{', 'garbage{']]) {
    it(`refuses a run whose summary.json holds ${what}: exit 2 naming the file, the run byte-identical`, async () => {
      const root = tempDir();
      const dir = run(join(root, 'run'));
      writeFileSync(join(dir, 'summary.json'), text);
      const before = snapshot(dir);
      const r = await report([dir]);
      expectUsage(r, new RegExp(`${join(dir, 'summary.json').replace(/[.]/g, '\\.')}: ${what === 'null' ? 'null, not a JSON object' : 'not valid JSON'}.*the run directory is damaged`));
      expect(snapshot(dir)).toEqual(before);
    });
  }

  it('reports a run of 70,000 rounds beside one of 100,000', async () => {
    const root = tempDir();
    const a = writeLongRun(join(root, 'r70k'), 70_000);
    const b = writeLongRun(join(root, 'r100k'), 100_000);
    const r = await report([a, b, '--out', join(root, 'out'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 runs in 2 groups/);
    const csv = readFileSync(join(root, 'out', 'summary.csv'), 'utf8');
    expect(csv.split('\n').filter((l) => l !== '')).toHaveLength(3);
    expect(readFileSync(join(root, 'out', 'consensus.svg'), 'utf8')).toMatch(/<svg/);
  });
});
