// One writer per directory: `run`, `resume`, `sweep` and `report` hold DIR/.plexus.lock while they
// write there. The file names its holder (pid, host, command, start); a holder that died on this
// host leaves a stale lock, taken over with a note. Released on exit, on errors and on signals, so
// a finished directory holds no lock file.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createFile, FileAccessError, readRegularText, removeIfThere } from '../safe-file.js';
import { RUN_LOCK_FILE } from '../run-format/index.js';
import { UsageError } from './options.js';

export const LOCK_FILE = RUN_LOCK_FILE;

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  /** ISO time the holder took the lock */
  started: string;
}

export interface RunLock {
  readonly path: string;
  /** Removes the lock file if it is still this process's; safe to call twice. */
  release(): void;
  /** Runs `undo` first when the lock is released on exit or by a signal (e.g. removing temporary files). */
  onRelease(undo: () => void): void;
}

const held = new Map<string, string>(); // lock path -> the exact text this process wrote
const undos = new Map<string, (() => void)[]>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function releaseAll(): void {
  for (const path of [...held.keys()]) releasePath(path);
}

function releasePath(path: string): void {
  const mine = held.get(path);
  if (mine === undefined) return;
  held.delete(path);
  for (const undo of undos.get(path) ?? []) {
    try {
      undo();
    } catch {
      // the lock goes regardless
    }
  }
  undos.delete(path);
  try {
    // another process may have taken over a lock it judged stale: never remove that one
    if (readRegularText(path, { maxBytes: 64 * 1024 }) === mine) removeIfThere(path);
  } catch {
    // already gone
  }
  if (held.size === 0) uninstall();
}

// With a lock held, a signal nobody else handles still ends the process as it would have, but
// first removes the lock; a signal that has other listeners (Ctrl-C in run, resume, sweep) is theirs.
const onSignal = (signal: NodeJS.Signals) => {
  if (process.listenerCount(signal) > 1) return;
  releaseAll();
  process.kill(process.pid, signal);
};
let installed = false;
function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', releaseAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}
function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', releaseAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** The lock's holder as written, or undefined when the file is missing or unreadable. */
export function readLockHolder(dir: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readRegularText(join(dir, LOCK_FILE), { maxBytes: 64 * 1024 })) as Partial<LockHolder>;
    if (!Number.isSafeInteger(h.pid) || typeof h.host !== 'string' || typeof h.command !== 'string') return undefined;
    return { pid: h.pid!, host: h.host, command: h.command, started: String(h.started ?? '') };
  } catch {
    return undefined;
  }
}

/** A holder that cannot be running any more: its pid is dead on this host (or is this process's own, left by an earlier one). */
function isStale(h: LockHolder, path: string): boolean {
  if (h.host !== hostname()) return false;
  return h.pid === process.pid ? !held.has(path) : !isAlive(h.pid);
}

export function describeHolder(h: LockHolder): string {
  return `\`${h.command}\` (pid ${h.pid}${h.host !== hostname() ? ` on ${h.host}` : ''}, since ${h.started})`;
}

/** The live holder of dir's lock, for messages before a command acquires it; undefined if free or stale. */
export function liveLockHolder(dir: string): LockHolder | undefined {
  const h = readLockHolder(dir);
  return h && !isStale(h, join(dir, LOCK_FILE)) ? h : undefined;
}

/**
 * Takes dir's lock for `command` (e.g. "plexus resume"), or throws UsageError (exit 2) naming the
 * process that holds it. `note` hears about a stale lock taken over.
 */
export function acquireRunLock(dir: string, command: string, note: (s: string) => void = (s) => process.stderr.write(s + '\n')): RunLock {
  const path = join(dir, LOCK_FILE);
  if (held.has(path)) throw new UsageError(`${dir}: this process already writes there`);
  const text = JSON.stringify({ pid: process.pid, host: hostname(), command, started: new Date().toISOString() } satisfies LockHolder) + '\n';
  for (let attempt = 0; ; attempt++) {
    try {
      createFile(path, text, { what: 'lock file' });
      break;
    } catch (e) {
      if (!(e instanceof FileAccessError) || e.code !== 'EEXIST' || attempt > 0) {
        if (e instanceof UsageError) throw e;
        throw new UsageError(`${dir}: cannot take its lock (${(e as Error).message})`);
      }
    }
    const holder = readLockHolder(dir);
    if (!holder) {
      throw new UsageError(`${dir}: ${LOCK_FILE} is there but cannot be read; another Plexus command may be starting there. If none is, remove ${path} and try again`);
    }
    if (!isStale(holder, path)) {
      throw new UsageError(`${dir}: in use by ${describeHolder(holder)}; one command writes a directory at a time, so wait for it to end${holder.host !== hostname() ? ` (or, if it no longer runs on ${holder.host}, remove ${path})` : ''}`);
    }
    note(`note: ${dir}: taking over the lock of ${describeHolder(holder)}, which is no longer running`);
    removeIfThere(path);
  }
  held.set(path, text);
  install();
  return {
    path,
    release: () => releasePath(path),
    onRelease: (undo) => undos.set(path, [...(undos.get(path) ?? []), undo]),
  };
}
