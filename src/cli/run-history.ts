// What a stopped run's lines say about its history before a resume: metrics.jsonl must hold one
// line for every round before the checkpoint's, peers.jsonl one for every evaluation round before
// it. Read with a bound, never through a link or a FIFO; nothing is changed here.
import { closeSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import { RUN_FILES } from '../run-format/index.js';
import { FileAccessError, openRegularFile } from '../safe-file.js';

/** A line longer than this is not one Plexus wrote (a peers line of 100,000 peers is ~10 MB). */
const MAX_LINE_BYTES = 256 * 1024 * 1024;
const CHUNK = 1 << 20;

/** One file's history: the byte ranges to keep (lines of rounds before the checkpoint's) and what is wrong. */
export interface FileHistory {
  name: string;
  path: string;
  /** [start, end) byte ranges of the kept lines, newlines included, in file order */
  keep: [number, number][];
  problems: string[];
  /** false when the file is not there */
  exists: boolean;
}

/** The rounds whose lines a run stopped at round `from` wrote before it: all rounds, and the evaluated ones. */
export function expectedRounds(config: ExperimentConfig, from: number): { metrics: number[]; peers: number[] } {
  const metrics: number[] = config.eval.atStart ? [0] : [];
  const peers: number[] = config.eval.atStart ? [0] : [];
  for (let r = 1; r < from; r++) {
    metrics.push(r);
    if (r % config.eval.every === 0) peers.push(r);
  }
  return { metrics, peers };
}

/** "4-6, 9" */
export function roundRanges(rounds: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < rounds.length; ) {
    let j = i;
    while (j + 1 < rounds.length && rounds[j + 1] === rounds[j] + 1) j++;
    parts.push(i === j ? `${rounds[i]}` : `${rounds[i]}-${rounds[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

interface Line {
  number: number;
  start: number;
  end: number;
  /** ended by a newline */
  complete: boolean;
  /** undefined when longer than MAX_LINE_BYTES */
  text?: string;
}

/** The lines of an open file, read a chunk at a time; `visit` returns false to stop. */
function forEachLine(fd: number, visit: (line: Line) => boolean): void {
  const buf = Buffer.allocUnsafe(CHUNK);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = false;
  let start = 0;
  let pos = 0;
  let number = 0;
  const emit = (end: number, complete: boolean): boolean => {
    number++;
    const text = overlong ? undefined : Buffer.concat(pending, pendingBytes).toString('utf8');
    const go = visit({ number, start, end, complete, text });
    pending = [];
    pendingBytes = 0;
    overlong = false;
    start = end;
    return go;
  };
  const add = (b: Buffer) => {
    if (overlong) return;
    if (pendingBytes + b.length > MAX_LINE_BYTES) {
      overlong = true;
      pending = [];
      pendingBytes = 0;
      return;
    }
    pending.push(Buffer.from(b));
    pendingBytes += b.length;
  };
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) break;
    let from = 0;
    for (;;) {
      const nl = buf.indexOf(10, from);
      if (nl < 0 || nl >= n) {
        add(buf.subarray(from, n));
        break;
      }
      add(buf.subarray(from, nl));
      if (!emit(pos + nl + 1, true)) return;
      from = nl + 1;
    }
    pos += n;
  }
  if (pendingBytes > 0 || overlong) emit(pos, false);
}

function roundOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    const o = JSON.parse(text) as { round?: unknown };
    return o && typeof o === 'object' && !Array.isArray(o) && Number.isSafeInteger(o.round) ? (o.round as number) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads `name` in `dir` and matches its lines against the `expected` rounds (ascending): a line of
 * each is kept, the first of a round only; lines of later rounds and a torn last line after the
 * history are dropped. Throws FileAccessError for a file that is not a regular file.
 */
export function readHistory(dir: string, name: string, expected: number[]): FileHistory {
  const path = join(dir, name);
  const history: FileHistory = { name, path, keep: [], problems: [], exists: true };
  let file;
  try {
    file = openRegularFile(path, { what: name });
  } catch (e) {
    if (e instanceof FileAccessError && e.code === 'ENOENT') {
      history.exists = false;
      if (expected.length > 0) history.problems.push(`${name} is missing (it should hold rounds ${roundRanges(expected)})`);
      return history;
    }
    throw e;
  }
  const missing: number[] = [];
  const bad: string[] = [];
  let next = 0;
  try {
    forEachLine(file.fd, (line) => {
      if (next === expected.length) return false; // the history is complete: the rest is replaced
      const round = line.complete ? roundOf(line.text) : undefined;
      if (round === undefined) {
        bad.push(!line.complete ? `line ${line.number} is cut short (no newline at its end)` : line.text === undefined ? `line ${line.number} is too long to be a run's line` : `line ${line.number} is not a line of a round (${JSON.stringify(line.text.slice(0, 40))})`);
        return true;
      }
      if (round === expected[next]) {
        const last = history.keep.at(-1);
        if (last && last[1] === line.start) last[1] = line.end;
        else history.keep.push([line.start, line.end]);
        next++;
      } else if (round > expected[next]) {
        while (next < expected.length && expected[next] < round) missing.push(expected[next++]);
        if (expected[next] === round) {
          history.keep.push([line.start, line.end]);
          next++;
        }
      } else {
        bad.push(`line ${line.number} repeats round ${round} or is out of order`);
      }
      return true;
    });
  } finally {
    closeSync(file.fd);
  }
  missing.push(...expected.slice(next));
  if (missing.length > 0) history.problems.push(`${name}: no line for round${missing.length > 1 ? 's' : ''} ${roundRanges(missing)}`);
  for (const b of bad.slice(0, 5)) history.problems.push(`${name}: ${b}`);
  if (bad.length > 5) history.problems.push(`${name}: and ${bad.length - 5} more bad lines`);
  return history;
}

/** Both line files of a run stopped at round `from`. */
export function readRunHistory(dir: string, config: ExperimentConfig, from: number): FileHistory[] {
  const want = expectedRounds(config, from);
  return [readHistory(dir, RUN_FILES.metrics, want.metrics), readHistory(dir, RUN_FILES.peers, want.peers)];
}
