// Tabular data from CSV files: a header line, one row per example, numeric feature columns and
// a label column (integers 0..C-1, or strings mapped to classes in sorted order). Files are read
// in chunks, never as one string. Features are standardised with the training set's per-column
// mean and standard deviation (a constant column is only centred). csvInfo scans and validates
// every row without keeping the values, so a bad file is a config error.
import { DataError } from '../errors.js';
import type { DataSplit, Dataset } from '../types.js';
import { cacheKey, type DatasetInfo } from './idx-dataset.js';
import { FileAccessError, forEachLine } from '../safe-file.js';
import { dataFileError } from './idx-file.js';

export interface CsvFiles {
  readonly train: string;
  readonly test: string;
  /** the name of the label column */
  readonly label: string;
}

/** a line longer than this is not tabular data */
const MAX_LINE = 16 << 20;
const MAX_CLASSES = 256;

interface Row {
  /** 1-based line number in the file */
  line: number;
  cells: string[];
}

interface Scan {
  columns: string[];
  labelAt: number;
  rows: number;
  labels: Set<string>;
}

const infoCache = new Map<string, DatasetInfo>();
const dataCache = new Map<string, Dataset>();

/** Rows, features and classes, after checking every row of both files. */
export function csvInfo(spec: CsvFiles): DatasetInfo {
  const key = `${spec.label}\n${cacheKey([spec.train, spec.test])}`;
  const hit = infoCache.get(key);
  if (hit) return hit;
  const train = scan(spec.train, spec.label);
  const test = scan(spec.test, spec.label);
  if (train.columns.join('\n') !== test.columns.join('\n')) {
    throw new DataError(`${spec.test}: columns ${list(test.columns)} differ from those of ${spec.train} (${list(train.columns)}); both files need the same header`);
  }
  const { classes, labelNames } = classesOf(spec, new Set([...train.labels, ...test.labels]));
  const info: DatasetInfo = Object.freeze({
    train: train.rows, test: test.rows, features: train.columns.length - 1, classes, ...(labelNames ? { labelNames } : {}),
  });
  infoCache.set(key, info);
  return info;
}

/** Loads both files, labels as classes and features standardised by the training set (cached). */
export function loadCsvDataset(spec: CsvFiles): Dataset {
  const key = `${spec.label}\n${cacheKey([spec.train, spec.test])}`;
  const hit = dataCache.get(key);
  if (hit) return hit;
  const info = csvInfo(spec);
  const classOf = labelMap(info);
  const train = readSplit(spec.train, spec.label, info.train, info.features, classOf);
  const test = readSplit(spec.test, spec.label, info.test, info.features, classOf);
  standardise(train, test, info.features);
  const dataset: Dataset = Object.freeze({ name: 'csv', features: info.features, classes: info.classes, train, test });
  dataCache.set(key, dataset);
  return dataset;
}

function scan(path: string, label: string): Scan {
  let header: { columns: string[]; labelAt: number } | undefined;
  let rows = 0;
  const labels = new Set<string>();
  eachLine(path, (text, line) => {
    if (!header) {
      header = parseHeader(path, text, label);
      return;
    }
    const r = parseRow(path, { line, cells: splitCells(text) }, header.columns, header.labelAt);
    rows++;
    const y = r.cells[header.labelAt];
    if (!labels.has(y)) {
      labels.add(y);
      if (labels.size > MAX_CLASSES) throw new DataError(`${path}: column '${label}' has more than ${MAX_CLASSES} distinct labels (line ${line}); is it the label column? Plexus allows at most ${MAX_CLASSES} classes`);
    }
  });
  if (!header) throw new DataError(`${path}: empty; expected a header line and one row per example`);
  if (rows === 0) throw new DataError(`${path}: a header but no rows; expected one row per example`);
  return { ...header, rows, labels };
}

function parseHeader(path: string, text: string, label: string): { columns: string[]; labelAt: number } {
  const columns = splitCells(text);
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === '') throw new DataError(`${path}: line 1 (the header) has an empty column name; name every column`);
    if (seen.has(c)) throw new DataError(`${path}: column '${c}' appears twice in the header; name every column once`);
    seen.add(c);
  }
  const labelAt = columns.indexOf(label);
  if (labelAt < 0) throw new DataError(`${path}: no column '${label}' (data.dataset.label); the columns are ${list(columns)}`);
  if (columns.length < 2) throw new DataError(`${path}: only the label column '${label}'; expected at least one feature column`);
  return { columns, labelAt };
}

function parseRow(path: string, r: Row, columns: string[], labelAt: number, into?: { x: Float32Array; at: number }): Row {
  if (r.cells.length !== columns.length) {
    throw new DataError(`${path}: line ${r.line} has ${r.cells.length} cells, the header ${columns.length} columns; every row needs one cell per column (quoted commas are not supported)`);
  }
  let k = into?.at ?? 0;
  for (let j = 0; j < r.cells.length; j++) {
    if (j === labelAt) {
      if (r.cells[j] === '') throw new DataError(`${path}: line ${r.line}, column '${columns[j]}': empty label; every row needs a label`);
      continue;
    }
    const cell = r.cells[j];
    const v = cell === '' ? NaN : Number(cell);
    if (!Number.isFinite(v)) {
      throw new DataError(`${path}: line ${r.line}, column '${columns[j]}': ${JSON.stringify(cell)} is not a finite number; features must be numbers (use the label column for categories)`);
    }
    // features are stored as float32: beyond its range a value becomes Infinity and the run diverges
    if (!Number.isFinite(Math.fround(v))) {
      throw new DataError(`${path}: line ${r.line}, column '${columns[j]}': ${cell} is beyond the float32 range features are stored in (magnitude at most 3.4e38); rescale the column`);
    }
    if (into) into.x[k++] = v;
  }
  return r;
}

function readSplit(path: string, label: string, n: number, features: number, classOf: (s: string) => number): DataSplit {
  const x = new Float32Array(n * features);
  const y = new Uint8Array(n);
  let header: { columns: string[]; labelAt: number } | undefined;
  let i = 0;
  eachLine(path, (text, line) => {
    if (!header) {
      header = parseHeader(path, text, label);
      return;
    }
    if (i >= n) throw new DataError(`${path}: changed while loading (more than ${n} rows); load it again`);
    const r = parseRow(path, { line, cells: splitCells(text) }, header.columns, header.labelAt, { x, at: i * features });
    y[i++] = classOf(r.cells[header.labelAt]);
  });
  if (i !== n) throw new DataError(`${path}: changed while loading (${i} rows, ${n} before); load it again`);
  return { n, x, y };
}

/** Integer labels (every one all digits) are their own classes; any other labels are classes in sorted order. */
function classesOf(spec: CsvFiles, labels: Set<string>): { classes: number; labelNames?: string[] } {
  const all = [...labels];
  if (all.every((s) => /^\d+$/.test(s))) {
    const max = Math.max(...all.map(Number));
    if (max >= MAX_CLASSES) throw new DataError(`${spec.train}: label ${max} in column '${spec.label}' is not below ${MAX_CLASSES}; integer labels are classes 0..${MAX_CLASSES - 1}`);
    return { classes: max + 1 };
  }
  const names = all.sort();
  if (names.length > MAX_CLASSES) throw new DataError(`${spec.train}: ${names.length} distinct labels in column '${spec.label}'; Plexus allows at most ${MAX_CLASSES} classes`);
  return { classes: names.length, labelNames: names };
}

function labelMap(info: DatasetInfo): (s: string) => number {
  if (!info.labelNames) return Number;
  const index = new Map(info.labelNames.map((s, i) => [s, i]));
  return (s) => index.get(s)!;
}

/** (x - mean) / std per column, with the training set's mean and std (a constant column: std 1). */
function standardise(train: DataSplit, test: DataSplit, F: number): void {
  const mean = new Float64Array(F);
  const sq = new Float64Array(F);
  for (let i = 0; i < train.n; i++) for (let j = 0; j < F; j++) mean[j] += train.x[i * F + j];
  for (let j = 0; j < F; j++) mean[j] /= train.n;
  for (let i = 0; i < train.n; i++) for (let j = 0; j < F; j++) sq[j] += (train.x[i * F + j] - mean[j]) ** 2;
  const inv = Float64Array.from(sq, (s) => (s > 0 ? 1 / Math.sqrt(s / train.n) : 1));
  for (const s of [train, test]) for (let i = 0; i < s.n; i++) for (let j = 0; j < F; j++) s.x[i * F + j] = (s.x[i * F + j] - mean[j]) * inv[j];
}

/** Cells of one line, trimmed, with surrounding double quotes removed. */
function splitCells(text: string): string[] {
  return text.split(',').map((c) => {
    const t = c.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
  });
}

/** Calls fn for every non-blank line (without its line break), reading the file in chunks. */
function eachLine(path: string, fn: (text: string, line: number) => void): void {
  try {
    forEachLine(path, (text, line) => {
      const t = text.endsWith('\r') ? text.slice(0, -1) : text;
      if (t.trim() !== '') fn(line === 1 ? t.replace(/^\uFEFF/, '') : t, line);
    }, { what: 'CSV file', maxBytes: Number.MAX_SAFE_INTEGER, maxLineLength: MAX_LINE, fatal: true });
  } catch (e) {
    if (!(e instanceof FileAccessError)) throw e;
    if (e.code === 'EUTF8') throw new DataError(`${e.message}; save the CSV file as UTF-8`);
    if (e.code === 'ELINE') throw new DataError(`${e.message}; is this a CSV file with one row per line?`);
    throw dataFileError(e, 'a CSV file');
  }
}

function list(columns: string[]): string {
  const shown = columns.slice(0, 20).map((c) => `'${c}'`).join(', ');
  return columns.length > 20 ? `${shown}, ... (${columns.length} in all)` : shown;
}
