// --out never loses anything: existing files are refused (or, with --force, only the run files
// are replaced), links are never written through, and bad places fail at once with status 2.
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planOutDir, prepareOutDir, RUN_FILE_NAMES } from '../../src/cli/out-dir.js';
import { UsageError } from '../../src/cli/options.js';
import { plexus, tempDir, tiny, writeConfig } from './helpers.js';

const dir = tempDir('plexus-out-');
const config = writeConfig(dir, 'tiny.yaml', tiny);

function usageError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

function folder(name: string, files: Record<string, string>): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return d;
}

describe('planOutDir', () => {
  it('accepts a new directory and lists what to create, outermost first', () => {
    const p = planOutDir(join(dir, 'new', 'a', 'b'));
    expect(p.missing).toEqual([join(dir, 'new'), join(dir, 'new', 'a'), join(dir, 'new', 'a', 'b')]);
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });

  it('accepts an empty directory', () => {
    expect(planOutDir(folder('empty', {}))).toMatchObject({ missing: [], replace: [] });
  });

  it('refuses an empty path', () => {
    expect(usageError(() => planOutDir(''))).toMatch(/--out: the path is empty/);
    expect(usageError(() => planOutDir('  '))).toMatch(/--out: the path is empty/);
  });

  it('refuses a file, and a path through a file', () => {
    const f = join(dir, 'plain.txt');
    writeFileSync(f, 'x');
    expect(usageError(() => planOutDir(f))).toMatch(/is a file, not a directory/);
    expect(usageError(() => planOutDir(join(f, 'sub')))).toMatch(/a part of the path is a file|is a file, not a directory/);
  });

  it('tells a finished run, an unfinished run and unrelated files apart, and names --force', () => {
    const finished = folder('finished', { 'metrics.jsonl': '', 'summary.json': '{}' });
    const unfinished = folder('unfinished', { 'config.resolved.json': '{}', 'metrics.jsonl': '' });
    const other = folder('other', { 'thesis.tex': 'years of work' });
    expect(usageError(() => planOutDir(finished))).toMatch(/already holds a finished run.*--force/);
    expect(usageError(() => planOutDir(unfinished))).toMatch(/already holds an unfinished run.*--force/);
    expect(usageError(() => planOutDir(other))).toMatch(/already holds 1 file\(s\) that are not a Plexus run \(thesis\.tex\).*--force/);
  });

  it('with --force replaces only the run files', () => {
    const d = folder('forced', { 'metrics.jsonl': 'old', 'summary.json': '{}', 'notes.md': 'keep' });
    const p = planOutDir(d, { force: true });
    expect(p.replace.sort()).toEqual([join(d, 'metrics.jsonl'), join(d, 'summary.json')]);
    prepareOutDir(p);
    expect(readdirSync(d)).toEqual(['notes.md']);
  });

  it('refuses a symbolic link as the run directory', () => {
    const target = folder('link-target', {});
    const link = join(dir, 'link');
    symlinkSync(target, link);
    expect(usageError(() => planOutDir(link))).toMatch(/is a symbolic link/);
  });

  it('creates directories one at a time, and removes the ones it made', () => {
    const p = planOutDir(join(dir, 'made', 'deeper'));
    const made = prepareOutDir(p);
    expect(lstatSync(join(dir, 'made', 'deeper')).isDirectory()).toBe(true);
    made.removeCreated();
    expect(existsSync(join(dir, 'made'))).toBe(false);
  });

  it.runIf(existsSync('/proc/self'))('fails at once where the file system allows no directory (/proc)', () => {
    // Node's recursive mkdir loops forever here
    expect(usageError(() => prepareOutDir(planOutDir('/proc/plexus-x/y')))).toMatch(/cannot create \/proc\/plexus-x/);
  });
});

describe('plexus run --out', () => {
  const refused: [string, () => string[], RegExp][] = [
    ['an empty path', () => ['--out', ''], /--out: the path is empty/],
    ['a file', () => ['--out', config], /is a file, not a directory/],
    ['a path inside a file', () => ['--out', join(config, 'x')], /is a file, not a directory|a part of the path is a file/],
    ['a folder of unrelated files', () => ['--out', folder('unrelated', { 'data.csv': '1,2' })], /not a Plexus run/],
    ['an unfinished run', () => ['--out', folder('half', { 'config.resolved.json': '{}', 'metrics.jsonl': '{"round":1}\n' })], /unfinished run/],
    ...(existsSync('/proc/self') ? [['/proc/x', () => ['--out', '/proc/x'], /cannot create \/proc\/x/] as [string, () => string[], RegExp]] : []),
    ...(existsSync('/sys/kernel') ? [['an unwritable place (/sys)', () => ['--out', '/sys/plexus-x'], /cannot create \/sys\/plexus-x: permission denied/] as [string, () => string[], RegExp]] : []),
  ];
  for (const [what, args, message] of refused) {
    it(`refuses ${what} with status 2, before writing anything`, async () => {
      const a = args();
      const before = a[1] && existsSync(a[1]) && lstatSync(a[1]).isDirectory() ? snapshot(a[1]) : undefined;
      const r = await plexus(['run', config, ...a], { timeout: 30_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      if (before) expect(snapshot(a[1])).toEqual(before);
    }, 40_000);
  }

  it('never writes through a link planted in the directory, even with --force', async () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    const d = folder('planted', { 'summary.json': '{}' });
    symlinkSync(victim, join(d, 'metrics.jsonl'));
    const refused = await plexus(['run', config, '--out', d, '--workers', '0']);
    expect(refused.stderr).toMatch(/already holds a finished run/);
    expect(refused.code).toBe(2);
    const r = await plexus(['run', config, '--out', d, '--workers', '0', '--force']);
    expect(r.code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(d, 'metrics.jsonl')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(6);
  }, 60_000);

  it('with --force replaces a finished run and leaves other files alone', async () => {
    const d = join(dir, 'rerun');
    expect((await plexus(['run', config, '--out', d, '--workers', '0'])).code).toBe(0);
    writeFileSync(join(d, 'notes.md'), 'mine');
    const again = await plexus(['run', config, '--out', d, '--workers', '0']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a finished run/);
    const forced = await plexus(['run', config, '--out', d, '--workers', '0', '--force', '--rounds', '3']);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(d, 'notes.md'), 'utf8')).toBe('mine');
    expect(JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')).rounds).toBe(3);
    expect(readdirSync(d).sort()).toEqual([...RUN_FILE_NAMES.filter((f) => f !== 'checkpoint.bin'), 'notes.md'].sort());
  }, 60_000);
});

function snapshot(d: string): Record<string, string> {
  return Object.fromEntries(readdirSync(d).map((f) => [f, lstatSync(join(d, f)).isFile() ? readFileSync(join(d, f), 'utf8') : '<dir>']));
}
