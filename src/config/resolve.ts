// Parse + defaults + validate, once, at the edge. Everything after this trusts ExperimentConfig.
import { resolveTargetEpsilon } from '../privacy/target.js';
import { CNN_DEFAULTS } from '../model/cnn-shape.js';
import { lstatSync } from 'node:fs';
import { FileAccessError, fileKind, readRegularFile } from '../safe-file.js';
import { basename, dirname, extname, isAbsolute, resolve as resolvePath } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type ExperimentConfig } from './schema.js';
import { didYouMean } from './did-you-mean.js';
import { checkConfig } from './checks.js';
import type { MemoryLimit } from './memory-limit.js';
import { withDatasetBaseDir } from '../data/datasets.js';
import { numberIssues } from './numbers.js';
import { knownKeysAt } from './schema-at.js';
import { loadedPlugins, loadPlugins, resolvePluginPath, type LoadedPlugin } from './plugins.js';

export interface ResolveOptions {
  /** Directory that relative paths in the config (topology files) are resolved against. */
  baseDir?: string;
  /** Overrides applied before validation (e.g. --seed from the CLI). */
  overrides?: { seed?: number; name?: string };
  /** The run's memory limit (--max-memory); data files declaring more are refused before they are read. */
  memoryLimit?: MemoryLimit;
}

/** A config is a page of YAML; anything larger is a mistake (a large graph belongs in an edge-list file). */
export const MAX_CONFIG_BYTES = 10 * 1024 * 1024;
/** YAML aliases (*name) a config may expand: enough for reuse, too few for an alias bomb. */
export const MAX_ALIAS_COUNT = 100;

/** Reads and parses a YAML or JSON config file (its name defaults to the file's). */
function readConfigFile(path: string): { raw: unknown; baseDir: string } {
  const text = readConfigText(path);
  const raw = parseConfigText(text, path);
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && (raw as Record<string, unknown>).name === undefined) {
    (raw as Record<string, unknown>).name = basename(path, extname(path));
  }
  return { raw, baseDir: dirname(resolvePath(path)) };
}

/**
 * Reads a YAML or JSON config file and resolves it. Throws ConfigError with every problem found;
 * a config that names plug-ins needs them loaded first (loadConfig does both).
 */
export function loadConfigFile(path: string, opts: ResolveOptions = {}): ExperimentConfig {
  const { raw, baseDir } = readConfigFile(path);
  return resolveConfig(raw, { baseDir, ...opts });
}

/** Reads a config file, loads the plug-ins it names, and resolves it. */
export async function loadConfig(path: string, opts: ResolveOptions = {}): Promise<ExperimentConfig> {
  const { raw, baseDir } = readConfigFile(path);
  await loadConfigPlugins(raw, baseDir);
  return resolveConfig(raw, { baseDir, ...opts });
}

/** The `plugins:` entries of a raw config as absolute files (others are left for the schema to report). */
function pluginPaths(raw: unknown, baseDir: string): { specs: string[]; paths: string[] } | undefined {
  const list = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).plugins : undefined;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s.length > 0)) return undefined;
  return { specs: list as string[], paths: (list as string[]).map((s) => resolvePluginPath(s, baseDir)) };
}

/** Loads the plug-ins a raw config names (relative to baseDir), so that resolveConfig knows their kinds. */
export async function loadConfigPlugins(raw: unknown, baseDir = process.cwd()): Promise<LoadedPlugin[]> {
  const p = pluginPaths(raw, baseDir);
  return p ? loadPlugins(p.paths, p.specs) : [];
}

/** The file's text, or a ConfigError saying why it is not a readable YAML or JSON text file. */
function readConfigText(path: string): string {
  const fail = (why: string) => new ConfigError([`${path === '' ? '(empty path)' : path}: ${why}`], 'Cannot read config');
  if (path.trim() === '') throw fail('no config file given; name a YAML or JSON file, e.g. experiments/quickstart.yaml');
  let bytes: Buffer;
  try {
    bytes = readRegularFile(path, { maxBytes: MAX_CONFIG_BYTES, what: 'config' });
  } catch (e) {
    if (!(e instanceof FileAccessError)) throw e;
    if (e.code === 'ETOOBIG') {
      const size = lstatSync(path).size;
      throw fail(`is ${(size / 2 ** 20).toFixed(1)} MiB; a config is at most ${MAX_CONFIG_BYTES / 2 ** 20} MiB (put a large graph in an edge-list file: topology: { kind: file, path })`);
    }
    if (e.code === 'ENOTREG') throw fail(`${notRegularReason(path)}; name a YAML or JSON file`);
    throw fail(errnoReason(e, 'no such config file'));
  }
  if (bytes.includes(0)) throw fail('holds binary data, not text; name a YAML or JSON file');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail('is not UTF-8 text; name a YAML or JSON file (saved as UTF-8)');
  }
}

/** What the path is instead of a regular file: a directory, a link, a FIFO... */
function notRegularReason(path: string): string {
  try {
    const st = lstatSync(path);
    if (st.isDirectory()) return 'is a directory, not a config file';
    return `is ${fileKind(st)}, not a regular file (Plexus reads configs only from regular files, never through links)`;
  } catch {
    return 'is not a regular file';
  }
}

function errnoReason(e: unknown, missing: string): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return missing;
  if (code === 'ENOTDIR') return `${missing} (a part of the path is a file, not a directory)`;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENAMETOOLONG') return 'the path is too long';
  return `cannot read it (${(e as Error)?.message ?? e})`;
}

/** YAML is a superset of JSON, so one parser serves both; errors carry line and column. */
export function parseConfigText(text: string, source = 'config'): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const where = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
        return `${source} ${where}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`;
      }),
      `Cannot parse ${source}`,
    );
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // yaml throws ReferenceError for an alias bomb ("Excessive alias count") and an unknown alias
    if (!(e instanceof ReferenceError)) throw e;
    const bomb = /excessive alias count/i.test(e.message);
    const why = bomb
      ? `its aliases (*name) expand to too much data (more than ${MAX_ALIAS_COUNT} expansions, yaml: "${e.message}"); write the values out instead`
      : `${e.message}; define each &anchor before its *alias`;
    throw new ConfigError([`${source}: ${why}`], `Cannot parse ${source}`);
  }
}

export function resolveConfig(raw: unknown, opts: ResolveOptions = {}): ExperimentConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(['(root): the config must be a mapping of keys such as name, peers, rounds, topology, data']);
  }
  const input = { ...(raw as Record<string, unknown>), ...definedOnly(opts.overrides ?? {}) };
  const plugins = pluginPaths(input, opts.baseDir ?? process.cwd());
  if (plugins) {
    const known = new Set(loadedPlugins().map((p) => p.path));
    const missing = plugins.paths.filter((p) => !known.has(p));
    if (missing.length > 0) throw new ConfigError(missing.map((p) => `plugins: ${p} is not loaded; load the config with loadConfig (or call loadConfigPlugins first)`));
    input.plugins = plugins.paths;
  }
  // infinities and unsafe integers first: the schema would accept some, or say less about them
  const numbers = numberIssues(configSchema, input);
  const flagged = new Set(numbers.map((n) => pathString(n.path)));
  const parsed = configSchema.safeParse(input);
  const schemaIssues = parsed.success ? [] : parsed.error.issues.filter((i) => !flagged.has(pathString(i.path)));
  const issues = [...numbers.map((n) => `${pathString(n.path)}: ${n.message}`), ...schemaIssues.flatMap((i) => formatIssue(i, input))];
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);
  const config = parsed.data;
  if (config.topology.kind === 'file' && !isAbsolute(config.topology.path)) {
    config.topology.path = resolvePath(opts.baseDir ?? process.cwd(), config.topology.path);
  }
  config.data.dataset = withDatasetBaseDir(config.data.dataset, opts.baseDir ?? process.cwd());
  const problems = checkConfig(config, { memoryLimit: opts.memoryLimit });
  if (problems.length === 0) problems.push(...resolveTargetEpsilon(config));
  if (problems.length > 0) throw new ConfigError(problems);
  if (config.model.kind === 'cnn') resolveCnn(config.model);
  else config.model.hidden = config.model.kind === 'logistic' ? [] : (config.model.hidden ?? [128]);
  return config;
}

/** cnn defaults (LeNet-5 style); its dense layers live in `hidden` like an mlp's. */
function resolveCnn(m: ExperimentConfig['model']): void {
  m.conv ??= CNN_DEFAULTS.conv.map((b) => ({ ...b }));
  m.dense ??= m.hidden ?? [...CNN_DEFAULTS.dense];
  m.hidden = m.dense;
  m.activation ??= CNN_DEFAULTS.activation;
}

function definedOnly(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function pathString(path: (string | number)[]): string {
  return path.length === 0 ? '(root)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}

function formatIssue(issue: z.ZodIssue, input: unknown): string[] {
  const where = pathString(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(configSchema, issue.path, input);
      return issue.keys.map((k) => {
        const p = pathString([...issue.path, k]);
        const hint = didYouMean(k, known);
        const allowed = known.length ? ` Allowed keys here: ${known.join(', ')}.` : '';
        return `${p}: unknown key${hint ? ` (did you mean '${hint}'?)` : '.'}${allowed}`;
      });
    }
    case 'invalid_union_discriminator': {
      const options = issue.options.map(String);
      const got = valueAt(input, issue.path);
      const hint = typeof got === 'string' ? didYouMean(got, options) : undefined;
      return [`${where}: ${JSON.stringify(got)} is not allowed${hint ? ` (did you mean '${hint}'?)` : ''}; use one of ${options.join(' | ')}`];
    }
    case 'invalid_enum_value': {
      const options = issue.options.map(String);
      const hint = typeof issue.received === 'string' ? didYouMean(issue.received, options) : undefined;
      return [`${where}: ${JSON.stringify(issue.received)} is not allowed${hint ? ` (did you mean '${hint}'?)` : ''}; use one of ${options.join(' | ')}`];
    }
    case 'invalid_type':
      if (issue.received === 'undefined') return [`${where}: required (${issue.expected})`];
      return [`${where}: expected ${issue.expected}, got ${issue.received}`];
    case 'too_small':
      return [`${where}: must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)} (got ${JSON.stringify(valueAt(input, issue.path))})`];
    case 'too_big':
      if (issue.maximum === Number.MAX_SAFE_INTEGER) {
        return [`${where}: ${JSON.stringify(valueAt(input, issue.path))} is too large to count exactly; use a whole number at most ${Number.MAX_SAFE_INTEGER}`];
      }
      return [`${where}: must be ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)} (got ${JSON.stringify(valueAt(input, issue.path))})`];
    default:
      return [`${where}: ${issue.message}`];
  }
}

function valueAt(input: unknown, path: (string | number)[]): unknown {
  let v: unknown = input;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}
