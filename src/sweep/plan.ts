// Every run of a sweep, resolved up front: a bad grid key or a config that one combination makes
// invalid is reported (naming the combination and the field) before any run starts.
import { resolvePluginPath } from '../config/plugins.js';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { withDatasetBaseDir } from '../data/datasets.js';
import { z } from 'zod';
import { didYouMean } from '../config/did-you-mean.js';
import { resolveConfig } from '../config/resolve.js';
import { schemaAt } from '../config/schema-at.js';
import { configSchema, type ExperimentConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { applyParams, expandGrid, type Params } from './grid.js';
import { combinationNames, describeParams, seedDirName } from './names.js';
import type { SweepSpec } from './spec.js';

export interface PlannedCombination {
  /** its directory under the sweep directory */
  name: string;
  params: Params;
  /** the config as written (base + params, name set, file paths absolute), without a seed */
  config: Record<string, unknown>;
}

export interface PlannedRun {
  /** `<combination>/seed-<n>`: unique in the sweep, stable across invocations */
  id: string;
  /** the run directory, relative to the sweep directory */
  dir: string;
  seed: number;
  combination: PlannedCombination;
  /** what `plexus run` will resolve for this run (and write as config.resolved.json) */
  resolved: ExperimentConfig;
}

export interface SweepPlan {
  spec: SweepSpec;
  combinations: PlannedCombination[];
  /** combination by combination, seeds in the order listed */
  runs: PlannedRun[];
}

/** Issues beyond this many are counted, not listed. */
const MAX_LISTED = 30;

export function planSweep(spec: SweepSpec): SweepPlan {
  const baseDir = dirname(spec.basePath);
  const base = { ...spec.base, name: spec.base.name ?? basename(spec.basePath, extname(spec.basePath)) };
  const all = expandGrid(spec.grid);
  const names = combinationNames(all);
  const issues = new Issues();
  const combinations: PlannedCombination[] = [];
  const runs: PlannedRun[] = [];
  all.forEach((params, i) => {
    const applied = applyParams(base, spec.grid, params);
    if ('problem' in applied) {
      issues.add(`grid.${applied.key}: ${applied.problem}`);
      return;
    }
    const config = withAbsolutePaths(applied.config, baseDir);
    const pathIssues = spec.grid.flatMap((a) => {
      const p = keyPathIssue(config, a.path);
      return p ? [`grid.${a.key}: ${p}`] : [];
    });
    if (pathIssues.length > 0) {
      pathIssues.forEach((p) => issues.add(p));
      return;
    }
    const combination = { name: names[i], params, config };
    combinations.push(combination);
    for (const seed of spec.seeds) {
      try {
        const resolved = resolveConfig(config, { baseDir, overrides: { seed } });
        const dir = `${combination.name}/${seedDirName(seed)}`;
        runs.push({ id: dir, dir, seed, combination, resolved });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        for (const issue of e.issues) issues.add(`[${describeParams(params)}] ${issue}`, seed);
      }
    }
  });
  if (issues.size > 0) {
    throw new ConfigError(issues.list(spec.seeds), `Invalid sweep ${spec.file}: nothing was run`);
  }
  return { spec, combinations, runs };
}

/** Problems found once per message, with the seeds they came from. */
class Issues {
  private seen = new Map<string, Set<number>>();
  get size(): number {
    return this.seen.size;
  }
  add(message: string, seed?: number): void {
    const seeds = this.seen.get(message) ?? new Set<number>();
    if (seed !== undefined) seeds.add(seed);
    this.seen.set(message, seeds);
  }
  list(allSeeds: readonly number[]): string[] {
    const out = [...this.seen].map(([m, seeds]) => (seeds.size === 0 || seeds.size === allSeeds.length ? m : `${m} (seed ${[...seeds].join(', ')})`));
    return out.length <= MAX_LISTED ? out : [...out.slice(0, MAX_LISTED), `... and ${out.length - MAX_LISTED} more`];
  }
}

/** A relative topology or data file is relative to the base config, wherever the combination's config is written. */
function withAbsolutePaths(config: Record<string, unknown>, baseDir: string): Record<string, unknown> {
  const t = config.topology as Record<string, unknown> | undefined;
  const data = config.data as Record<string, unknown> | undefined;
  if (data && typeof data === 'object' && data.dataset) config = { ...config, data: { ...data, dataset: withDatasetBaseDir(data.dataset, baseDir) } };
  // each run's config.json lives elsewhere: its plug-ins are named by their absolute files
  const plugins = config.plugins;
  if (Array.isArray(plugins) && plugins.every((p) => typeof p === 'string' && p !== '')) config = { ...config, plugins: plugins.map((p: string) => resolvePluginPath(p, baseDir)) };
  if (t && typeof t === 'object' && t.kind === 'file' && typeof t.path === 'string' && t.path !== '' && !isAbsolute(t.path)) {
    return { ...config, topology: { ...t, path: resolve(baseDir, t.path) } };
  }
  return config;
}

/** Why `path` is not a field of the config schema (read with this config's kinds), if it is not. */
export function keyPathIssue(config: Record<string, unknown>, path: readonly string[]): string | undefined {
  for (let i = 0; i < path.length; i++) {
    const parent = schemaAt(configSchema, path.slice(0, i), config);
    // a union whose kind is not known yet: resolving the config says what is wrong
    if (!(parent instanceof z.ZodObject)) return undefined;
    const keys = Object.keys(parent.shape as object);
    if (keys.includes(path[i])) continue;
    const where = i === 0 ? 'a config' : path.slice(0, i).join('.');
    const hint = didYouMean(path[i], keys);
    const suggestion = hint ? ` (did you mean '${[...path.slice(0, i), hint].join('.')}'?)` : '';
    return `not a config path: ${where} has no key '${path[i]}'${suggestion}; keys there: ${keys.join(', ')}`;
  }
  return undefined;
}
