// Where a run's files go. Checked before anything is built, created one directory at a time
// (never following a symbolic link), and never written over unless --force says so.
import { lstatSync, mkdirSync, readdirSync, realpathSync, rmdirSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RUN_FILES } from '../run-format/index.js';
import { UsageError } from './options.js';
import { describeHolder, liveLockHolder, LOCK_FILE } from './run-lock.js';

/** The files a run writes; --force replaces exactly these. */
export const RUN_FILE_NAMES: readonly string[] = Object.values(RUN_FILES);

export interface OutDirPlan {
  /** absolute path of the run directory */
  dir: string;
  /** directories to create, outermost first */
  missing: string[];
  /** run files already there, removed before writing (only with --force) */
  replace: string[];
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new UsageError(`--out: cannot use ${path}: ${fileAbove(path) ?? 'a part of the path'} is a file, not a directory`);
    throw new UsageError(`--out: cannot use ${path}: ${reason(e)}`);
  }
}

/**
 * A directory a command writes its files into (run, report, export): new (with the directories to
 * create above it), or an existing directory itself, never a link; or a UsageError. Touches nothing.
 */
export function planFilesDir(path: string): OutDirPlan {
  if (path.trim() === '') throw new UsageError(`--out: the path is empty; name a directory, e.g. --out runs/mine`);
  if (path.includes('\0')) throw new UsageError(`--out: the path contains a NUL character`);
  if (path.startsWith('-')) throw new UsageError(`--out: '${path}' looks like an option, not a directory; give the directory after --out (./${path} if you mean that name)`);
  const dir = resolve(path);
  const st = lstatOrUndefined(dir);
  if (!st) return { dir, missing: missingDirs(dir), replace: [] };
  if (st.isSymbolicLink()) {
    throw new UsageError(`--out: ${dir} is a symbolic link (to ${target(dir)}); Plexus never writes through links, so name the directory itself`);
  }
  if (!st.isDirectory()) throw new UsageError(`--out: ${dir} is a file, not a directory; name a new or empty directory`);
  return { dir, missing: [], replace: [] };
}

/** What --out would do, or a UsageError saying why not. Touches nothing. */
export function planOutDir(path: string, opts: { force?: boolean } = {}): OutDirPlan {
  const plan = planFilesDir(path);
  const dir = plan.dir;
  if (plan.missing.length > 0) return plan;
  let entries: string[];
  try {
    // a lock left by a command that died is not a file of the run (acquiring it takes it over)
    entries = readdirSync(dir).filter((f) => f !== LOCK_FILE);
  } catch (e) {
    throw new UsageError(`--out: cannot read ${dir}: ${reason(e)}`);
  }
  const holder = liveLockHolder(dir);
  if (holder) throw new UsageError(`--out: ${dir} is in use by ${describeHolder(holder)}; wait for it to end, or choose another directory`);
  if (entries.length === 0) return { dir, missing: [], replace: [] };
  const runFiles = RUN_FILE_NAMES.filter((f) => entries.includes(f));
  if (!opts.force) {
    const what = entries.includes(RUN_FILES.summary)
      ? 'a finished run'
      : runFiles.length > 0
        ? 'an unfinished run (interrupted, or still running)'
        : `${entries.length} file(s) that are not a Plexus run (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''})`;
    throw new UsageError(`--out: ${dir} already holds ${what}; choose a new or empty directory, or add --force to replace the run files there (${RUN_FILE_NAMES.join(', ')}; other files are left alone)`);
  }
  for (const f of runFiles) {
    const s = lstatOrUndefined(resolve(dir, f));
    if (s?.isDirectory()) throw new UsageError(`--out: ${resolve(dir, f)} is a directory; --force replaces files only, so remove it or choose another directory`);
  }
  return { dir, missing: [], replace: runFiles.map((f) => resolve(dir, f)) };
}

/** The ancestors of dir that do not exist yet, outermost first; the nearest existing one must be a directory. */
function missingDirs(dir: string): string[] {
  const missing = [dir];
  for (let p = dirname(dir); ; p = dirname(p)) {
    const st = lstatOrUndefined(p);
    if (st) {
      // an existing ancestor may be a link to a directory (e.g. /tmp on macOS)
      const isDir = st.isDirectory() || (st.isSymbolicLink() && statOrUndefined(p)?.isDirectory());
      if (!isDir) throw new UsageError(`--out: cannot create ${dir}: ${p} is a file, not a directory`);
      return missing.reverse();
    }
    if (p === dirname(p)) return missing.reverse();
    missing.push(p);
  }
}

/** The nearest ancestor of `path` that exists and is not a directory (for ENOTDIR messages). */
function fileAbove(path: string): string | undefined {
  for (let p = dirname(path); p !== dirname(p); p = dirname(p)) {
    const st = statOrUndefined(p);
    if (st) return st.isDirectory() ? undefined : p;
  }
  return undefined;
}

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

export interface PreparedOutDir {
  dir: string;
  /** Removes the directories this created (if still empty); for a run that never started. */
  removeCreated(): void;
}

/**
 * Creates the missing directories one at a time and removes the run files --force replaces.
 * `claim` runs once the directory exists and before anything in it is removed (e.g. to take its lock).
 */
export function prepareOutDir(plan: OutDirPlan, claim?: (dir: string) => void): PreparedOutDir {
  const created: string[] = [];
  const removeCreated = () => {
    for (const d of [...created].reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // not empty or already gone: leave it
      }
    }
  };
  for (const d of plan.missing) {
    try {
      // never recursive: Node's recursive mkdir can loop forever on paths such as /proc/x
      mkdirSync(d);
      created.push(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && lstatSync(d).isDirectory()) continue;
      removeCreated();
      throw new UsageError(`--out: cannot create ${d}: ${reason(e)}`);
    }
  }
  try {
    claim?.(plan.dir);
  } catch (e) {
    removeCreated();
    throw e;
  }
  for (const f of plan.replace) {
    try {
      unlinkSync(f); // removes a link itself, never its target
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`--out: cannot replace ${f}: ${reason(e)}`);
    }
  }
  return { dir: plan.dir, removeCreated };
}

export function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENOENT':
      return 'this file system does not allow creating it';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EEXIST':
      return 'it already exists (and is not a directory)';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return (e as Error)?.message ?? String(e);
  }
}

function target(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return 'nowhere';
  }
}
