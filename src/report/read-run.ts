// Reads one run directory (docs/run-format.md) for the report: its config, its metrics lines and
// its summary. A broken line is skipped with a warning; a run with nothing to plot is refused.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, type MetricsLine, type SummaryFile } from '../run-format/index.js';
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ReportInputError(`${path}: cannot read it (${(e as Error).message})`);
  }
}

function readJson(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ReportInputError(`${path}: not valid JSON (${(e as Error).message}); the run directory is damaged`);
  }
}

/** The lines of metrics.jsonl that parse and carry a round number; the others are skipped with a warning. */
export function parseMetrics(text: string, path: string, warn: Warn): MetricsLine[] {
  const lines = text.split('\n');
  const last = lines.length - 1 - [...lines].reverse().findIndex((l) => l.trim() !== '');
  const out: MetricsLine[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      const why = i === last ? 'cut short (the run was stopped while writing it?)' : 'not valid JSON';
      warn(`${path}: line ${i + 1} is ${why}; skipped`);
      return;
    }
    if (!isObject(value) || !Number.isSafeInteger(value.round)) {
      warn(`${path}: line ${i + 1} has no integer 'round'; skipped`);
      return;
    }
    out.push(value as unknown as MetricsLine);
  });
  return out;
}

export function readRun(dir: string, warn: Warn): RunData {
  const configPath = join(dir, RUN_FILES.config);
  const metricsPath = join(dir, RUN_FILES.metrics);
  if (!existsSync(configPath)) {
    throw new ReportInputError(`${dir}: no ${RUN_FILES.config}, so this is not a run directory (see docs/run-format.md)`);
  }
  const config = readJson(configPath);
  if (!isObject(config)) throw new ReportInputError(`${configPath}: not a JSON object; the run directory is damaged`);
  if (!existsSync(metricsPath)) {
    throw new ReportInputError(`${dir}: no ${RUN_FILES.metrics}, so the run has no metrics to report; run it again or leave this directory out`);
  }
  const metrics = parseMetrics(readText(metricsPath), metricsPath, warn);
  if (metrics.length === 0) {
    throw new ReportInputError(`${metricsPath}: no metrics (not one round was recorded); run it again or leave this directory out`);
  }
  const summaryPath = join(dir, RUN_FILES.summary);
  let summary: SummaryFile | undefined;
  if (existsSync(summaryPath)) {
    const s = readJson(summaryPath);
    if (!isObject(s)) throw new ReportInputError(`${summaryPath}: not a JSON object; the run directory is damaged`);
    summary = s as unknown as SummaryFile;
  }
  return { dir, config, metrics, summary };
}
