// Plug-ins: files (or installed packages) a config names under `plugins:`, each adding kinds to the
// same registries the built-ins are in. Loaded once per thread and process, before the config is
// validated, so a plug-in's kinds and options are checked like a built-in's.
import { createHash } from 'node:crypto';
import { createRequire, register } from 'node:module';
import { extname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';
import { FileAccessError, readRegularFile } from '../safe-file.js';
import { pluginSorts, type PluginSortName } from './plugin-sorts.js';
import { RegistryError } from './registry.js';

/** A plug-in is refused: its file, its export or one of its kinds is wrong. Exit 2, nothing written. */
export class PluginError extends ConfigError {
  constructor(readonly file: string, problems: string[] | string) {
    super(problems, `Cannot load plug-in ${file}`);
  }
}

const PLUGIN_BRAND = Symbol.for('plexus.plugin');

/** What a plug-in module exports by default: its name and the kinds it adds, by sort. */
export type PluginDefinition = { name: string } & { [K in PluginSortName]?: readonly unknown[] };

/** Marks a plug-in definition (the loader refuses a default export made otherwise). */
export function definePlugin<P extends PluginDefinition>(p: P): P {
  return Object.defineProperty({ ...p }, PLUGIN_BRAND, { value: true, enumerable: false }) as P;
}

export interface LoadedPlugin {
  /** as the config wrote it */
  spec: string;
  /** the absolute file loaded */
  path: string;
  name: string;
  /** sha256 of the file's bytes, hex */
  sha256: string;
  /** the kinds it added: "aggregations/geometric-median" */
  kinds: string[];
}

/** The largest plug-in file read (a plug-in is source code, not data). */
const MAX_PLUGIN_BYTES = 16 * 2 ** 20;
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

const loaded = new Map<string, LoadedPlugin>();

/** Whether `spec` names a file (as opposed to an installed package). */
function isFileSpec(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec) || EXTENSIONS.includes(extname(spec));
}

/**
 * The absolute file a `plugins:` entry names: a path relative to the config's directory, or an
 * installed package resolved from there.
 */
export function resolvePluginPath(spec: string, baseDir: string): string {
  if (typeof spec !== 'string' || spec.trim() === '') throw new PluginError(String(spec), 'plugins: an entry is empty; name a .ts, .js or .mjs file, or an installed package');
  if (isFileSpec(spec)) {
    const path = resolvePath(baseDir, spec);
    if (!EXTENSIONS.includes(extname(path))) throw new PluginError(path, `plugins: '${spec}' is not a .ts, .mts, .js or .mjs file`);
    return path;
  }
  try {
    return createRequire(join(baseDir, 'noop.js')).resolve(spec);
  } catch {
    throw new PluginError(spec, `plugins: no installed package '${spec}' is found from ${baseDir}; install it there or name its file with a path (./my-plugin.ts)`);
  }
}

let hooksRegistered = false;

/** Registers TypeScript and `plexus` resolution for this thread, once. */
async function ensureHooks(): Promise<void> {
  if (hooksRegistered) return;
  hooksRegistered = true;
  // Under vitest the sources run through vite, which transforms plug-ins and resolves `plexus` by
  // its alias; Node's hooks are for the built package (dist/), in the CLI and its worker threads.
  if (import.meta.url.endsWith('.ts')) return;
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  const plexusUrl = new URL('../index.js', import.meta.url).href;
  register(new URL('./plugin-hooks.js', import.meta.url), { data: { plexusUrl } });
}

/** Loads the plug-ins (absolute paths) into the registries; each file once per thread. */
export async function loadPlugins(paths: readonly string[], specs: readonly string[] = paths): Promise<LoadedPlugin[]> {
  const out: LoadedPlugin[] = [];
  for (let i = 0; i < paths.length; i++) out.push(await loadPlugin(paths[i], specs[i] ?? paths[i]));
  return out;
}

/** The plug-ins loaded in this thread, by absolute path. */
export function loadedPlugins(): LoadedPlugin[] {
  return [...loaded.values()];
}

/** A plug-in as a checkpoint records it. */
export interface PluginRecord {
  path: string;
  sha256: string;
}

/** The loaded plug-ins among `paths`, as a checkpoint records them. */
export function pluginRecords(paths: readonly string[]): PluginRecord[] {
  return paths.map((path) => ({ path, sha256: loaded.get(path)?.sha256 ?? hashPluginFile(path) }));
}

/**
 * How the plug-ins a checkpoint recorded differ from the files there now ("field: what; what to do"),
 * empty when every file is the same.
 */
export function pluginChanges(recorded: readonly PluginRecord[] | undefined): string[] {
  const out: string[] = [];
  for (const r of recorded ?? []) {
    let now: string;
    try {
      now = loaded.get(r.path)?.sha256 ?? hashPluginFile(r.path);
    } catch (e) {
      out.push(`plugins: ${r.path}, which the run used, cannot be read now (${(e as Error).message.split('\n').at(-1)?.trim()})`);
      continue;
    }
    if (now !== r.sha256) out.push(`plugins: ${r.path} changed since the checkpoint was written (sha256 ${r.sha256.slice(0, 12)}... then, ${now.slice(0, 12)}... now); the resumed run would not be the same experiment`);
  }
  return out;
}

/** sha256 of a plug-in file (what checkpoints record). */
export function hashPluginFile(path: string): string {
  return createHash('sha256').update(readPluginFile(path)).digest('hex');
}

function readPluginFile(path: string): Buffer {
  try {
    return readRegularFile(path, { maxBytes: MAX_PLUGIN_BYTES, what: 'plug-in' });
  } catch (e) {
    if (e instanceof FileAccessError) {
      throw new PluginError(path, e.code === 'ENOENT' ? 'no such file; check the path (relative to the config file)' : e.message);
    }
    throw e;
  }
}

async function loadPlugin(path: string, spec: string): Promise<LoadedPlugin> {
  const done = loaded.get(path);
  if (done) return done;
  const bytes = readPluginFile(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await ensureHooks();
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    throw new PluginError(path, `it does not load: ${firstLines(e)}`);
  }
  const def = mod.default as PluginDefinition | undefined;
  if (!def || typeof def !== 'object' || !(def as Record<symbol, unknown>)[PLUGIN_BRAND]) {
    throw new PluginError(path, "its default export is not a plug-in; end the file with `export default definePlugin({ name, ... })` (import { definePlugin } from 'plexus')");
  }
  const problems: string[] = [];
  if (typeof def.name !== 'string' || def.name.trim() === '') problems.push('name: give the plug-in a name (a non-empty string)');
  for (const key of Object.keys(def)) {
    if (key !== 'name' && !(key in pluginSorts)) problems.push(`${key}: not something a plug-in adds; use ${Object.keys(pluginSorts).join(', ')}`);
  }
  if (problems.length > 0) throw new PluginError(path, problems);
  const kinds: string[] = [];
  try {
    for (const [field, sort] of Object.entries(pluginSorts)) {
      const entries = def[field as PluginSortName];
      if (entries === undefined) continue;
      if (!Array.isArray(entries)) throw new RegistryError(`${field}: must be a list of ${sort.helper}(...) entries`);
      entries.forEach((entry, i) => {
        const missing = sort.check(entry);
        if (missing) throw new RegistryError(`${field}[${i}]${kindName(entry)}: ${missing}`);
        sort.registry.register(entry as never, path);
        kinds.push(`${field}/${(entry as { kind: string }).kind}`);
      });
    }
  } catch (e) {
    for (const sort of Object.values(pluginSorts)) sort.registry.unregisterSource(path);
    if (e instanceof RegistryError) throw new PluginError(path, e.message);
    throw e;
  }
  const plugin: LoadedPlugin = { spec, path, name: def.name, sha256, kinds };
  loaded.set(path, plugin);
  return plugin;
}

function kindName(entry: unknown): string {
  const k = (entry as { kind?: unknown } | null)?.kind;
  return typeof k === 'string' ? ` ('${k}')` : '';
}

/** An error's message, and where a syntax error is, without the loader's own stack. */
function firstLines(e: unknown): string {
  const err = e as Error;
  const msg = err?.message ?? String(e);
  return msg.split('\n').slice(0, 6).join(' ').replace(/\s+/g, ' ').trim();
}
