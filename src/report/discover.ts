// Turns the report's DIR arguments into run directories: a run directory itself, the finished
// runs a sweep directory lists in sweep.jsonl, or the finished runs found below a directory.
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { RUN_FILES } from '../run-format/index.js';
import { FileAccessError, readRegularText } from '../safe-file.js';
import { SWEEP_FILE, type SweepRecord } from '../sweep/records.js';
import { ReportInputError, type Warn } from './errors.js';
/** How deep below a DIR the report looks for finished runs when there is no sweep.jsonl. */
export const MAX_DEPTH = 3;
/** sweep.jsonl: a line of a few hundred bytes per run. */
const MAX_SWEEP_FILE_BYTES = 256 * 2 ** 20;

const isRunDir = (dir: string) => existsSync(join(dir, RUN_FILES.config)) || existsSync(join(dir, RUN_FILES.metrics));

/** The run directories a sweep.jsonl lists as done, resolved against the sweep directory. */
export function sweepRuns(sweepDir: string, text: string, warn: Warn): string[] {
  const path = join(sweepDir, SWEEP_FILE);
  const runs: string[] = [];
  const other = new Map<string, number>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      warn(`${path}: line ${i + 1} is not valid JSON; skipped`);
      return;
    }
    const { dir, status } = (entry ?? {}) as Partial<Record<keyof SweepRecord, unknown>>;
    if (typeof dir !== 'string' || dir === '') {
      warn(`${path}: line ${i + 1} has no 'dir'; skipped`);
      return;
    }
    if (status !== ('done' satisfies SweepRecord['status'])) {
      const s = String(status ?? 'no status');
      other.set(s, (other.get(s) ?? 0) + 1);
      return;
    }
    runs.push(isAbsolute(dir) ? dir : resolve(sweepDir, dir));
  });
  if (other.size > 0) {
    const list = [...other].map(([s, k]) => `${k} ${s}`).join(', ');
    warn(`${path}: left out the runs that are not done (${list})`);
  }
  return runs;
}

function finishedRunsBelow(dir: string, depth: number): string[] {
  if (depth > MAX_DEPTH) return [];
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of entries) {
    // dot-directories are Plexus's own scratch (a killed resume's .plexus-resume/), never runs
    if (name.startsWith('.')) continue;
    const sub = join(dir, name);
    // never through links: a link could point back up and loop
    if (!lstatSync(sub).isDirectory()) continue;
    if (existsSync(join(sub, RUN_FILES.summary))) found.push(sub);
    else found.push(...finishedRunsBelow(sub, depth + 1));
  }
  return found;
}

/** sweep.jsonl's text, or undefined when there is none; a link, FIFO or device there is refused. */
function readSweepFile(path: string): string | undefined {
  try {
    return readRegularText(path, { maxBytes: MAX_SWEEP_FILE_BYTES, what: 'sweep file' });
  } catch (e) {
    if (!(e instanceof FileAccessError)) throw e;
    if (e.code === 'ENOENT') return undefined;
    throw new ReportInputError(`${e.message}; the sweep directory is damaged`);
  }
}

function expand(input: string, warn: Warn): string[] {
  const dir = resolve(input);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new ReportInputError(`${input}: no such directory; name a run directory or a sweep directory`);
  }
  if (!st.isDirectory()) throw new ReportInputError(`${input}: a file, not a directory; name a run directory or a sweep directory`);
  const sweepFile = join(dir, SWEEP_FILE);
  const sweepText = readSweepFile(sweepFile);
  if (sweepText !== undefined) {
    const runs = sweepRuns(dir, sweepText, warn);
    if (runs.length === 0) throw new ReportInputError(`${sweepFile}: no run is done yet; wait for the sweep, or name its run directories`);
    return runs;
  }
  if (isRunDir(dir)) return [dir];
  const runs = finishedRunsBelow(dir, 1);
  if (runs.length === 0) {
    throw new ReportInputError(
      `${input}: not a run directory (no ${RUN_FILES.config}), not a sweep directory (no ${SWEEP_FILE}), and no finished run ` +
        `(a directory with ${RUN_FILES.summary}) below it; name the directories that 'plexus run --out' or 'plexus sweep' wrote`,
    );
  }
  return runs;
}

/** The run directories behind `inputs`, in order, each once (the same directory by another path too). */
export function findRunDirs(inputs: readonly string[], warn: Warn): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const input of inputs) {
    for (const dir of expand(input, warn)) {
      let real: string;
      try {
        real = realpathSync(dir);
      } catch {
        warn(`${dir}: listed as done in ${join(resolve(input), SWEEP_FILE)} but missing; left out`);
        continue;
      }
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(dir);
    }
  }
  return out;
}
