// `plexus export` refuses, with exit 2 and one message headed for export, an --out it cannot
// write safely (a dangling link, a path below a file, /proc) and a checkpoint whose sizes do not
// hold together (1e9 peers, a short parameter row, hidden: [1e9]); the run stays byte-identical.
// readCheckpoint refuses these first; src/export/from-checkpoint.ts checks again what export uses.
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from '../../src/checkpoint/index.js';
import { plexus, tempDir, tiny, writeConfig, type Exit } from '../cli/helpers.js';

const root = tempDir('plexus-export-files-');
const run = join(root, 'run');

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) out[name] = readFileSync(join(dir, name), 'base64');
  return out;
}

function expectRefused(r: Exit, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/Cannot resume|unexpected failure|\n\s+at /);
}

/** A copy of the run whose checkpoint `forge` changed (written as Plexus writes checkpoints). */
function forged(name: string, forge: (cp: Checkpoint) => void): string {
  const dir = join(root, name);
  cpSync(run, dir, { recursive: true });
  const cp = readCheckpoint(dir);
  forge(cp);
  writeCheckpoint(dir, cp);
  return dir;
}

describe('plexus export: files and sizes checked first', { timeout: 120_000 }, () => {
  let before: Record<string, string>;
  beforeAll(async () => {
    const cfg = writeConfig(root, 'tiny.yaml', tiny.replace('rounds: 6', 'rounds: 2'));
    const r = await plexus(['run', cfg, '--out', run, '-q', '--workers', '0', '--save-final']);
    expect(r.code, r.stderr).toBe(0);
    before = snapshot(run);
  }, 120_000);

  it('refuses --out /proc/x at once', async () => {
    expectRefused(await plexus(['export', run, '--peer', '0', '--out', '/proc/x'], { timeout: 60_000 }), /--out: cannot create \/proc\/x/);
    expect(snapshot(run)).toEqual(before);
  });

  it('refuses a dangling --out link, creating nothing at its target', async () => {
    const link = join(root, 'dangling');
    symlinkSync(join(root, 'nowhere'), link);
    expectRefused(await plexus(['export', run, '--peer', '0', '--out', link]), /--out: .*dangling is a symbolic link .*never writes through links/);
    expect(existsSync(join(root, 'nowhere'))).toBe(false);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('refuses --out below a file', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expectRefused(await plexus(['export', run, '--average', '--out', join(file, 'model')]), /--out: cannot use .*a-file\/model: .*a-file is a file, not a directory/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  const cases: [string, (cp: Checkpoint) => void, RegExp][] = [
    ['a header claiming 1e9 peers', (cp) => { cp.config.peers = 1e9; }, /1,?000,?000,?000 peers/],
    ['a short params row', (cp) => { cp.engine.params = cp.engine.params.slice(0, cp.engine.params.length - 3); }, /(params has|parameter array holds) 165 (entries|floats)/],
    ['hidden: [1e9] in the header', (cp) => { cp.config.model = { ...cp.config.model, kind: 'mlp', hidden: [1e9] } as Checkpoint['config']['model']; }, /10,?000,?000,?003 parameters/],
  ];
  for (const [what, forge, message] of cases) {
    it(`refuses a checkpoint with ${what}: exit 2, headed for export, nothing written`, async () => {
      const dir = forged(what.replace(/\W+/g, '-'), forge);
      const mine = snapshot(dir);
      const out = join(root, `out-${what.replace(/\W+/g, '-')}`);
      for (const how of [['--average'], ['--peer', '0']]) {
        const r = await plexus(['export', dir, ...how, '--out', out], { timeout: 60_000 });
        expectRefused(r, /Cannot export:/);
        expect(r.stderr).toMatch(/checkpoint\.bin/);
        expect(r.stderr).toMatch(message);
        expect(existsSync(out)).toBe(false);
        expect(snapshot(dir)).toEqual(mine);
      }
    });
  }
});
