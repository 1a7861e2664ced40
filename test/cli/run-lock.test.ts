// One writer per directory: the lock names its holder, refuses a second writer, takes over a lock
// whose holder died, and is gone once released; --out checks do not mistake it for a run file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRunLock, LOCK_FILE, readLockHolder } from '../../src/cli/run-lock.js';
import { planOutDir } from '../../src/cli/out-dir.js';
import { UsageError } from '../../src/cli/options.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'plexus-lock-'));
/** A pid that was just used and is no longer running. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const plant = (dir: string, holder: Record<string, unknown>) => writeFileSync(join(dir, LOCK_FILE), JSON.stringify(holder));

describe('the run-directory lock', () => {
  it('holds the pid, host, command and start time, and is removed on release (twice is fine)', () => {
    const dir = fresh();
    const lock = acquireRunLock(dir, 'plexus run');
    expect(readLockHolder(dir)).toEqual({ pid: process.pid, host: hostname(), command: 'plexus run', started: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    lock.release();
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a second writer while a live process holds it, naming that process', () => {
    const dir = fresh();
    plant(dir, { pid: process.ppid, host: hostname(), command: 'plexus resume', started: '2026-01-01T00:00:00.000Z' });
    expect(() => acquireRunLock(dir, 'plexus run')).toThrow(UsageError);
    expect(() => acquireRunLock(dir, 'plexus run')).toThrow(`in use by \`plexus resume\` (pid ${process.ppid}, since 2026-01-01T00:00:00.000Z)`);
    expect(() => planOutDir(dir, { force: true })).toThrow(/--out: .* is in use by `plexus resume`/);
  });

  it('refuses a lock held on another host, saying how to clear it if that process is gone', () => {
    const dir = fresh();
    plant(dir, { pid: 1, host: 'elsewhere.example', command: 'plexus sweep', started: 'x' });
    expect(() => acquireRunLock(dir, 'plexus run')).toThrow(/pid 1 on elsewhere.example.*remove .*\.plexus\.lock/);
  });

  it('takes over the lock of a process that died here, with a note', () => {
    const dir = fresh();
    const pid = deadPid();
    plant(dir, { pid, host: hostname(), command: 'plexus run', started: 'then' });
    const notes: string[] = [];
    const lock = acquireRunLock(dir, 'plexus resume', (s) => notes.push(s));
    expect(notes).toEqual([`note: ${dir}: taking over the lock of \`plexus run\` (pid ${pid}, since then), which is no longer running`]);
    expect(readLockHolder(dir)?.pid).toBe(process.pid);
    lock.release();
  });

  it('never removes a lock that another process took over meanwhile', () => {
    const dir = fresh();
    const lock = acquireRunLock(dir, 'plexus run');
    plant(dir, { pid: process.ppid, host: hostname(), command: 'plexus report', started: 'now' });
    lock.release();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).command).toBe('plexus report');
  });

  it('refuses an unreadable lock file rather than guessing', () => {
    const dir = fresh();
    writeFileSync(join(dir, LOCK_FILE), 'garbage{');
    expect(() => acquireRunLock(dir, 'plexus run')).toThrow(/cannot be read; .*If none is, remove/);
  });

  it('a stale lock does not make a directory look used to --out', () => {
    const dir = fresh();
    plant(dir, { pid: deadPid(), host: hostname(), command: 'plexus run', started: 'then' });
    expect(planOutDir(dir)).toEqual({ dir, missing: [], replace: [] });
    mkdirSync(join(dir, 'sub'));
    expect(() => planOutDir(dir)).toThrow(/1 file\(s\) that are not a Plexus run \(sub\)/);
  });
});

describe('sweep and report hold the lock of the directory they write', () => {
  it('a sweep or a report into a directory another process holds exits 2 naming it; otherwise no lock is left behind', async () => {
    const { plexus, tiny, writeConfig } = await import('./helpers.js');
    const ws = fresh();
    writeConfig(ws, 'base.yaml', tiny.replace('rounds: 6', 'rounds: 2'));
    writeConfig(ws, 'one.yaml', 'base: base.yaml\nseeds: [1]\n');
    const sweepDir = join(ws, 'sweep');
    mkdirSync(sweepDir);
    const holder = { pid: process.ppid, host: hostname(), command: 'plexus sweep', started: 'earlier' };
    plant(sweepDir, holder);
    const busy = await plexus(['sweep', join(ws, 'one.yaml'), '--out', sweepDir, '-q']);
    expect([busy.code, busy.stderr]).toEqual([2, expect.stringContaining(`in use by \`plexus sweep\` (pid ${process.ppid}, since earlier)`)]);
    expect(existsSync(join(sweepDir, 'sweep.jsonl'))).toBe(false);
    plant(sweepDir, { ...holder, pid: deadPid() });
    const swept = await plexus(['sweep', join(ws, 'one.yaml'), '--out', sweepDir, '-q']);
    expect(swept.code, swept.stderr).toBe(0);
    expect(swept.stderr).toMatch(/taking over the lock of `plexus sweep`/);
    expect(existsSync(join(sweepDir, LOCK_FILE))).toBe(false);

    const reportDir = join(ws, 'figures');
    mkdirSync(reportDir);
    plant(reportDir, { ...holder, command: 'plexus report' });
    const blocked = await plexus(['report', sweepDir, '--out', reportDir, '-q']);
    expect([blocked.code, blocked.stderr]).toEqual([2, expect.stringContaining('in use by `plexus report`')]);
    expect(existsSync(join(reportDir, 'report.html'))).toBe(false);
    plant(reportDir, { ...holder, pid: deadPid() });
    const made = await plexus(['report', sweepDir, '--out', reportDir, '-q']);
    expect(made.code, made.stderr).toBe(0);
    expect(existsSync(join(reportDir, 'report.html'))).toBe(true);
    expect(existsSync(join(reportDir, LOCK_FILE))).toBe(false);
  }, 120_000);
});
