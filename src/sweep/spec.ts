// A sweep file: a base config, a list of seeds and a grid of config paths to lists of values.
// Read and checked here, before anything runs; every problem is one "field: message" line.
import { dirname, relative, resolve } from 'node:path';
import { parseConfigText } from '../config/resolve.js';
import { didYouMean } from '../config/did-you-mean.js';
import { ConfigError } from '../errors.js';
import { FileAccessError, readRegularFile } from '../safe-file.js';
import { canonicalJson } from './canonical.js';

export interface GridAxis {
  /** the config path as written, e.g. 'train.lr' */
  key: string;
  path: string[];
  values: unknown[];
}

export interface SweepSpec {
  /** the sweep file as given on the command line */
  file: string;
  /** absolute path of the base config; relative paths inside it are relative to its directory */
  basePath: string;
  /** the base config as parsed, before defaults and validation */
  base: Record<string, unknown>;
  seeds: number[];
  /** in file order: the first key varies slowest */
  grid: GridAxis[];
}

export const SWEEP_KEYS = ['base', 'seeds', 'grid'] as const;
/** More runs than this is a typo in the grid, not a plan. */
export const MAX_RUNS = 10_000;

const SEGMENT = /^[A-Za-z][A-Za-z0-9]*$/;
/** A sweep file or config is a page of YAML. */
const MAX_BYTES = 10 * 2 ** 20;

/** Reads and checks a sweep file (not yet the configs it makes: see planSweep). */
export function loadSweepFile(file: string): SweepSpec {
  const raw = parseConfigText(readText(file, 'sweep file', file), file);
  const issues: string[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([`(root): a sweep file is a mapping with keys ${SWEEP_KEYS.join(', ')}, e.g.\n      base: ../ring64-mnist.yaml\n      seeds: [1, 2, 3]\n      grid: { train.lr: [0.05, 0.1] }`], `Invalid sweep ${file}`);
  }
  const doc = raw as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if ((SWEEP_KEYS as readonly string[]).includes(key)) continue;
    const hint = didYouMean(key, SWEEP_KEYS);
    issues.push(`${key}: unknown key${hint ? ` (did you mean '${hint}'?)` : ''}; a sweep file has ${SWEEP_KEYS.join(', ')} (config fields go in the base config or the grid)`);
  }
  const seeds = checkSeeds(doc.seeds, issues);
  const grid = checkGrid(doc.grid, issues);
  const base = loadBase(doc.base, file, issues);
  if (issues.length === 0) {
    const runs = grid.reduce((n, a) => n * a.values.length, seeds.length);
    if (runs > MAX_RUNS) issues.push(`grid: ${grid.map((a) => a.values.length).join(' x ')} combinations x ${seeds.length} seeds = ${runs} runs, more than ${MAX_RUNS}; split the sweep`);
  }
  if (issues.length > 0 || !base) throw new ConfigError(issues, `Invalid sweep ${file}`);
  return { file, basePath: base.path, base: base.raw, seeds, grid };
}

function checkSeeds(v: unknown, issues: string[]): number[] {
  const fix = 'a non-empty list of whole numbers >= 0, e.g. seeds: [1, 2, 3]';
  if (v === undefined) {
    issues.push(`seeds: required; ${fix}`);
    return [];
  }
  if (!Array.isArray(v) || v.length === 0) {
    issues.push(`seeds: must be ${fix} (got ${JSON.stringify(v)})`);
    return [];
  }
  const seen = new Set<number>();
  v.forEach((s, i) => {
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) {
      issues.push(`seeds[${i}]: ${JSON.stringify(s)} is not a whole number >= 0 (at most ${Number.MAX_SAFE_INTEGER})`);
    } else if (seen.has(s)) {
      issues.push(`seeds[${i}]: ${s} is listed twice; list each seed once`);
    } else seen.add(s);
  });
  return v as number[];
}

function checkGrid(v: unknown, issues: string[]): GridAxis[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'object' || Array.isArray(v)) {
    issues.push(`grid: must be a mapping of config paths to lists of values, e.g. grid: { train.lr: [0.05, 0.1] } (got ${JSON.stringify(v)})`);
    return [];
  }
  const axes: GridAxis[] = [];
  for (const [key, values] of Object.entries(v as Record<string, unknown>)) {
    const where = `grid.${key}`;
    const path = key.split('.');
    if (!path.every((s) => SEGMENT.test(s))) {
      issues.push(`${where}: not a config path; write the field's keys joined by dots, e.g. train.lr or topology`);
      continue;
    }
    if (key === 'seed') {
      issues.push(`${where}: seeds are swept by the top-level list, e.g. seeds: [1, 2, 3]; remove it from the grid`);
      continue;
    }
    if (!Array.isArray(values) || values.length === 0) {
      issues.push(`${where}: must be a non-empty list of values, e.g. ${key}: [a, b] (got ${JSON.stringify(values)})`);
      continue;
    }
    const seen = new Map<string, number>();
    values.forEach((value, i) => {
      const c = canonicalJson(value);
      if (seen.has(c)) issues.push(`${where}[${i}]: ${JSON.stringify(value)} is listed twice (also at [${seen.get(c)}]); list each value once`);
      else seen.set(c, i);
    });
    axes.push({ key, path, values });
  }
  for (const a of axes) {
    for (const b of axes) {
      if (a !== b && b.key.startsWith(a.key + '.')) issues.push(`grid.${b.key}: overlaps grid.${a.key}, which sets the whole of ${a.key}; keep one of them`);
    }
  }
  return axes;
}

function loadBase(v: unknown, file: string, issues: string[]): { path: string; raw: Record<string, unknown> } | undefined {
  if (v === undefined) {
    issues.push('base: required; name the config every run starts from, relative to this file, e.g. base: ../ring64-mnist.yaml');
    return undefined;
  }
  if (typeof v !== 'string' || v.trim() === '') {
    issues.push(`base: must be the path of a config file, relative to this file, e.g. base: ../ring64-mnist.yaml (got ${JSON.stringify(v)})`);
    return undefined;
  }
  const path = resolve(dirname(resolve(file)), v);
  try {
    const shown = relative(process.cwd(), path) || path;
    const raw = parseConfigText(readText(path, 'config', `base: ${v}`), shown);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      issues.push(`base: ${v} is not a config (a mapping of keys such as peers, rounds, topology)`);
      return undefined;
    }
    return { path, raw: raw as Record<string, unknown> };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
    return undefined;
  }
}

/** The text of a small UTF-8 file, or a ConfigError naming `where` and why not. */
function readText(path: string, what: string, where: string): string {
  const fail = (why: string) => new ConfigError([`${where}: ${why}`], `Cannot read ${what}`);
  let bytes: Buffer;
  try {
    bytes = readRegularFile(path, { maxBytes: MAX_BYTES, what });
  } catch (e) {
    if (!(e instanceof FileAccessError)) throw e;
    if (e.code === 'ENOTREG') throw fail(`${e.message}; name a YAML or JSON ${what}`);
    if (e.code === 'ETOOBIG') throw fail(`${path} is larger than ${MAX_BYTES / 2 ** 20} MiB; a ${what} is a page of YAML`);
    throw fail(e.code === 'ENOENT' || e.code === 'ENOTDIR' ? `no such file (looked for ${path})` : e.code === 'EACCES' ? `${path}: permission denied` : `cannot read ${path} (${e.message})`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail(`${path} is not UTF-8 text; name a YAML or JSON ${what}`);
  }
}
