// Reads one run directory (docs/run-format.md) for the report: its config, its metrics lines and
// its summary. Files are read only when regular (never through a link, never a FIFO or device),
// up to a bound; metrics.jsonl line by line. A broken line is skipped with a warning; a run with
// nothing to plot, or a damaged config or summary, is refused naming the file.
import { join } from 'node:path';
import { RUN_FILES, type MetricsLine, type SummaryFile } from '../run-format/index.js';
import { FileAccessError, forEachLine, readRegularText } from '../safe-file.js';
import { ReportInputError, type Warn } from './errors.js';

export interface RunData {
  /** absolute path of the run directory */
  dir: string;
  /** config.resolved.json */
  config: Record<string, unknown>;
  metrics: MetricsLine[];
  /** undefined while the run has not finished */
  summary?: SummaryFile;
}

/** config.resolved.json and summary.json: a resolved config is at most a few MiB, a summary (live links included) too. */
const MAX_JSON_BYTES = 64 * 2 ** 20;
/** metrics.jsonl: a line is under 1 KiB, so 4 GiB is millions of rounds. */
const MAX_METRICS_BYTES = 4 * 2 ** 30;
const MAX_LINE_LENGTH = 1 << 20;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function cannotRead(e: unknown, path: string): never {
  if (e instanceof FileAccessError) throw new ReportInputError(`${e.message}; the run directory is damaged or not a run`);
  throw new ReportInputError(`${path}: cannot read it (${(e as Error).message})`);
}

/** The JSON object in `path`; undefined when there is no such file. */
function readJsonObject(path: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readRegularText(path, { maxBytes: MAX_JSON_BYTES, what: 'run file' });
  } catch (e) {
    if (e instanceof FileAccessError && e.code === 'ENOENT') return undefined;
    cannotRead(e, path);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ReportInputError(`${path}: not valid JSON (${(e as Error).message}); the run directory is damaged`);
  }
  if (!isObject(value)) throw new ReportInputError(`${path}: ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not a JSON object; the run directory is damaged`);
  return value;
}

/** Collects metrics lines that parse and carry a round number; the others are skipped with a warning. */
class MetricsCollector {
  readonly lines: MetricsLine[] = [];
  /** the latest unparsable line: it was cut short if nothing follows it */
  private pendingBad?: number;
  constructor(private readonly path: string, private readonly warn: Warn) {}

  add(line: string, n: number): void {
    if (line.trim() === '') return;
    this.flushBad('not valid JSON');
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.pendingBad = n;
      return;
    }
    if (!isObject(value) || !Number.isSafeInteger(value.round)) {
      this.warn(`${this.path}: line ${n} has no integer 'round'; skipped`);
      return;
    }
    this.lines.push(value as unknown as MetricsLine);
  }

  finish(): MetricsLine[] {
    this.flushBad('cut short (the run was stopped while writing it?)');
    return this.lines;
  }

  private flushBad(why: string): void {
    if (this.pendingBad === undefined) return;
    this.warn(`${this.path}: line ${this.pendingBad} is ${why}; skipped`);
    this.pendingBad = undefined;
  }
}

/** The lines of metrics.jsonl text that parse and carry a round number; the others are skipped with a warning. */
export function parseMetrics(text: string, path: string, warn: Warn): MetricsLine[] {
  const c = new MetricsCollector(path, warn);
  text.split('\n').forEach((line, i) => c.add(line, i + 1));
  return c.finish();
}

function readMetrics(path: string, warn: Warn): MetricsLine[] | undefined {
  const c = new MetricsCollector(path, warn);
  try {
    forEachLine(path, (line, n) => c.add(line, n), { what: 'run file', maxBytes: MAX_METRICS_BYTES, maxLineLength: MAX_LINE_LENGTH });
  } catch (e) {
    if (e instanceof FileAccessError && e.code === 'ENOENT') return undefined;
    cannotRead(e, path);
  }
  return c.finish();
}

export function readRun(dir: string, warn: Warn): RunData {
  const configPath = join(dir, RUN_FILES.config);
  const metricsPath = join(dir, RUN_FILES.metrics);
  const config = readJsonObject(configPath);
  if (!config) throw new ReportInputError(`${dir}: no ${RUN_FILES.config}, so this is not a run directory (see docs/run-format.md)`);
  const metrics = readMetrics(metricsPath, warn);
  if (!metrics) {
    throw new ReportInputError(`${dir}: no ${RUN_FILES.metrics}, so the run has no metrics to report; run it again or leave this directory out`);
  }
  if (metrics.length === 0) {
    throw new ReportInputError(`${metricsPath}: no metrics (not one round was recorded); run it again or leave this directory out`);
  }
  const summary = readJsonObject(join(dir, RUN_FILES.summary)) as SummaryFile | undefined;
  return { dir, config, metrics, summary };
}
