// Groups runs that differ only in seed (and name), and labels each group by the config keys that
// tell the groups apart (or by the keys --by names).
import { didYouMean } from '../config/did-you-mean.js';
import { allPaths, canonicalJson, formatValue, getPath, IGNORED_KEYS, leafPaths, withoutIgnored } from './config-paths.js';
import { ReportInputError } from './errors.js';
import type { RunData } from './read-run.js';

export interface Group {
  /** the shared config (seed and name removed) as canonical JSON */
  key: string;
  /** the group's value for each label key ('' where the config has none) */
  values: string[];
  /** what legends and tables show */
  label: string;
  runs: RunData[];
}

export interface Grouping {
  /** the config paths that label the groups */
  keys: string[];
  groups: Group[];
  /** settings every run shares (seed and name aside), by path */
  shared: [string, string][];
}

/** The paths whose values are not the same in every one of `configs`, in the order they first appear. */
export function differingPaths(configs: readonly Record<string, unknown>[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const c of configs) {
    for (const [path, v] of leafPaths(withoutIgnored(c))) {
      if (!values.has(path)) values.set(path, new Set());
    }
  }
  for (const [path, set] of values) for (const c of configs) set.add(canonicalJson(getPath(withoutIgnored(c), path)));
  return [...values].filter(([, set]) => set.size > 1).map(([path]) => path);
}

/** "ring, lr=0.1": a lone key or a `kind` shows its value bare; keys the config lacks are left out. */
export function makeLabel(keys: readonly string[], values: readonly string[]): string {
  const last = (k: string) => k.split('.').pop()!;
  const parts = keys.flatMap((k, i) => {
    if (values[i] === '') return [];
    return keys.length === 1 || last(k) === 'kind' ? [values[i]] : [`${last(k)}=${values[i]}`];
  });
  if (parts.length > 0) return parts.join(', ');
  return keys.length === 1 ? 'none' : keys.map((k) => `${last(k)}=none`).join(', ');
}

function checkByKeys(by: readonly string[], runs: readonly RunData[]): void {
  const known = new Set(runs.flatMap((r) => allPaths(r.config)));
  for (const key of by) {
    if (known.has(key)) continue;
    const hint = didYouMean(key, [...known]);
    throw new ReportInputError(
      `--by: '${key}' is not a key of these runs' configs (config.resolved.json)` +
        (hint ? `; did you mean '${hint}'?` : `; use dotted paths such as topology.kind or train.lr`),
    );
  }
}

export function groupRuns(runs: readonly RunData[], by?: readonly string[]): Grouping {
  if (by) checkByKeys(by, runs);
  const byKey = new Map<string, RunData[]>();
  for (const run of runs) {
    const key = canonicalJson(withoutIgnored(run.config));
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key)!.push(run);
  }
  const members = [...byKey.values()];
  const differing = differingPaths(members.map((m) => m[0].config));
  const keys = by ? [...by] : differing;
  const groups = [...byKey].map(([key, rs]): Group => {
    const values = keys.map((k) => {
      const seen = [...new Set(rs.map((r) => formatValue(getPath(r.config, k))))];
      if (seen.length > 1) {
        const why = (IGNORED_KEYS as readonly string[]).includes(k) ? `runs are grouped across ${k}s` : 'choose keys that are the same across seeds';
        throw new ReportInputError(`--by: '${k}' differs between runs that differ only in seed (${seen.slice(0, 3).join(', ')}); ${why}`);
      }
      return seen[0];
    });
    return { key, values, label: makeLabel(keys, values), runs: rs };
  });
  if (keys.length === 0 && groups.length === 1) {
    const names = new Set(runs.map((r) => String(r.config.name ?? '')));
    groups[0].label = names.size === 1 ? [...names][0] || 'all runs' : 'all runs';
  }
  checkDistinct(groups, keys);
  const shared = leafPaths(withoutIgnored(members[0][0].config)).filter(([p]) => !differing.includes(p));
  return { keys, groups, shared: shared.map(([p, v]) => [p, formatValue(v)]) };
}

function checkDistinct(groups: readonly Group[], keys: readonly string[]): void {
  const seen = new Map<string, Group>();
  for (const g of groups) {
    const id = g.values.join('\u0000');
    const other = seen.get(id);
    if (other) {
      const also = differingPaths([other.runs[0].config, g.runs[0].config]).filter((p) => !keys.includes(p));
      throw new ReportInputError(
        `--by: ${keys.join(',')} gives two groups the same label '${g.label}'; they also differ in ${also.join(', ')}; ` +
          `add ${also.length > 1 ? 'those keys' : 'it'} to --by (e.g. --by ${[...keys, also[0]].join(',')}), or report them separately`,
      );
    }
    seen.set(id, g);
  }
}
