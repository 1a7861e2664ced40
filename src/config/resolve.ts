// Parse + defaults + validate, once, at the edge. Everything after this trusts ExperimentConfig.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve as resolvePath } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type ExperimentConfig } from './schema.js';
import { didYouMean } from './did-you-mean.js';
import { checkConfig } from './checks.js';

export interface ResolveOptions {
  /** Directory that relative paths in the config (topology files) are resolved against. */
  baseDir?: string;
  /** Overrides applied before validation (e.g. --seed from the CLI). */
  overrides?: { seed?: number; name?: string };
}

/** Reads a YAML or JSON config file and resolves it. Throws ConfigError with every problem found. */
export function loadConfigFile(path: string, opts: ResolveOptions = {}): ExperimentConfig {
  if (!existsSync(path)) throw new ConfigError([`${path}: no such config file`], 'Cannot read config');
  const text = readFileSync(path, 'utf8');
  const raw = parseConfigText(text, path);
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && (raw as Record<string, unknown>).name === undefined) {
    (raw as Record<string, unknown>).name = basename(path, extname(path));
  }
  return resolveConfig(raw, { baseDir: dirname(resolvePath(path)), ...opts });
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
  return doc.toJS();
}

export function resolveConfig(raw: unknown, opts: ResolveOptions = {}): ExperimentConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(['(root): the config must be a mapping of keys such as name, peers, rounds, topology, data']);
  }
  const input = { ...(raw as Record<string, unknown>), ...definedOnly(opts.overrides ?? {}) };
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.flatMap((i) => formatIssue(i, input)));
  const config = parsed.data;
  if (config.topology.kind === 'file' && !isAbsolute(config.topology.path)) {
    config.topology.path = resolvePath(opts.baseDir ?? process.cwd(), config.topology.path);
  }
  const problems = checkConfig(config);
  if (problems.length > 0) throw new ConfigError(problems);
  config.model.hidden = config.model.kind === 'logistic' ? [] : (config.model.hidden ?? [128]);
  return config;
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
      const known = knownKeysAt(issue.path, input);
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

/** Walks the schema along `path` (picking union members by the input's `kind`) to list allowed keys. */
function knownKeysAt(path: (string | number)[], input: unknown): string[] {
  let schema: z.ZodTypeAny | undefined = configSchema;
  let value: unknown = input;
  const unwrap = (s: z.ZodTypeAny, v: unknown): z.ZodTypeAny | undefined => {
    for (;;) {
      if (s instanceof z.ZodDefault) s = s._def.innerType;
      else if (s instanceof z.ZodOptional) s = s._def.innerType;
      else if (s instanceof z.ZodEffects) s = s._def.schema;
      else if (s instanceof z.ZodDiscriminatedUnion) {
        const kind = v && typeof v === 'object' ? (v as Record<string, unknown>).kind : v;
        const opt = s.optionsMap.get(kind as string);
        if (!opt) return undefined;
        s = opt;
      } else return s;
    }
  };
  for (const p of [...path, undefined]) {
    schema = schema && unwrap(schema, value);
    if (p === undefined || !schema) break;
    schema = schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodTypeAny>)[p] : undefined;
    value = value && typeof value === 'object' ? (value as Record<string | number, unknown>)[p] : undefined;
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
