// The grid's combinations (every value of every key, the first key varying slowest) and the
// config each one makes: the base with each grid value set at its path, whole objects replaced.
import type { GridAxis } from './spec.js';

/** One value per grid key, in grid order. */
export type Params = Record<string, unknown>;

/** The cartesian product, in the order of nested loops over the keys (first key outermost). */
export function expandGrid(grid: readonly GridAxis[]): Params[] {
  let out: Params[] = [{}];
  for (const axis of grid) {
    out = out.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.key]: v })));
  }
  return out;
}

/**
 * A copy of `base` with `value` at `path`, creating mappings along the way. Returns the problem
 * instead when a step of the path holds something that is not a mapping (a shorthand string, a list).
 */
export function setPath(base: Record<string, unknown>, path: readonly string[], value: unknown): { config: Record<string, unknown> } | { problem: string } {
  const config = structuredClone(base);
  let node: Record<string, unknown> = config;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next === undefined || next === null) {
      node = node[key] = {};
    } else if (typeof next === 'object' && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      const at = path.slice(0, i + 1).join('.');
      return {
        problem: `the base config sets ${at} to ${JSON.stringify(next)}, not a mapping, so ${path.join('.')} cannot be set inside it; write ${at} out as a mapping in the base, or put the whole of ${at} in the grid`,
      };
    }
  }
  node[path[path.length - 1]] = structuredClone(value);
  return { config };
}

/** The base with every parameter of the combination set. */
export function applyParams(base: Record<string, unknown>, grid: readonly GridAxis[], params: Params): { config: Record<string, unknown> } | { problem: string; key: string } {
  let config = base;
  for (const axis of grid) {
    const r = setPath(config, axis.path, params[axis.key]);
    if ('problem' in r) return { ...r, key: axis.key };
    config = r.config;
  }
  return { config: config === base ? structuredClone(base) : config };
}
