// What a sweep finds in a run's directory from an earlier invocation: nothing, a finished run
// of the same config (skipped), or something to redo (unfinished, or made from another config).
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, RUN_LOCK_FILE, type SummaryFile } from '../run-format/files.js';
import { FileAccessError, readRegularText } from '../safe-file.js';
import { canonicalJson, firstDifference } from './canonical.js';

export type RunState =
  /** no directory, or an empty one */
  | { kind: 'new' }
  | { kind: 'finished'; summary: SummaryFile }
  /** needs `plexus run --force` over its run files */
  | { kind: 'redo'; why: string }
  /** a file, a link, or a directory with other files: never written over */
  | { kind: 'foreign'; why: string };

const NAMES: readonly string[] = Object.values(RUN_FILES);

export function inspectRunDir(dir: string, expected: unknown): RunState {
  let entries: string[];
  try {
    const st = lstatSync(dir);
    if (st.isSymbolicLink()) return { kind: 'foreign', why: 'is a symbolic link' };
    if (!st.isDirectory()) return { kind: 'foreign', why: 'is a file, not a directory' };
    // a lock left by a run that was killed is not a file of it
    entries = readdirSync(dir).filter((f) => f !== RUN_LOCK_FILE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'new' };
    return { kind: 'foreign', why: `cannot be read (${(e as Error).message})` };
  }
  if (entries.length === 0) return { kind: 'new' };
  if (!entries.some((f) => NAMES.includes(f))) {
    return { kind: 'foreign', why: `holds files that are not a Plexus run (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''})` };
  }
  let summary: SummaryFile | undefined;
  let config: unknown;
  try {
    summary = readRunJson(join(dir, RUN_FILES.summary)) as SummaryFile | undefined;
    config = readRunJson(join(dir, RUN_FILES.config));
  } catch (e) {
    if (e instanceof FileAccessError) return { kind: 'foreign', why: `holds ${e.message}` };
    throw e;
  }
  if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) return { kind: 'redo', why: 'unfinished (no summary.json: it failed, was stopped, or is still running elsewhere)' };
  if (summary.aborted) return { kind: 'redo', why: `interrupted after ${summary.rounds} rounds` };
  if (config === undefined) return { kind: 'redo', why: 'its config.resolved.json is missing or unreadable' };
  // through JSON, as plexus run wrote it (undefined fields dropped)
  const want = JSON.parse(JSON.stringify(expected));
  if (canonicalJson(config) !== canonicalJson(want)) {
    const at = firstDifference(config, want)!;
    return { kind: 'redo', why: `its config changed since it ran (${at}: ${show(config, at)} then, ${show(want, at)} now)` };
  }
  return { kind: 'finished', summary };
}

/** summary.json and config.resolved.json are a few KiB; far more is not a run's file. */
const MAX_RUN_JSON_BYTES = 64 * 2 ** 20;

/**
 * The JSON in a run file; undefined when it is missing or does not parse. A link, FIFO or device
 * (or a file over the bound) throws FileAccessError: it is read from nowhere else.
 */
export function readRunJson(path: string): unknown {
  let text: string;
  try {
    text = readRegularText(path, { maxBytes: MAX_RUN_JSON_BYTES, what: 'run file' });
  } catch (e) {
    if (e instanceof FileAccessError && e.code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function show(root: unknown, path: string): string {
  let v: unknown = root;
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    const k = m[1] ?? m[2];
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  }
  return v === undefined ? 'unset' : JSON.stringify(v);
}
