// Readable, stable directory names for a sweep's combinations: `topology=ring-k2_train.lr=0.05`.
// The same combination always gets the same name, so a second run of the sweep finds its runs.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import type { Params } from './grid.js';

/** A path component stays well under the 255 bytes file systems allow. */
const MAX_NAME = 120;
/** The name of the one combination of a sweep without a grid. */
export const NO_GRID_NAME = 'base';

/** A value as a short word: 0.05, ring-k2, torus-rows8-cols8, dirichlet-alpha0.3, 64-32. */
export function valueLabel(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (Array.isArray(v)) return v.length === 0 ? 'empty' : v.map(valueLabel).join('-');
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const parts = typeof o.kind === 'string' ? [o.kind] : [];
    for (const [k, x] of Object.entries(o)) {
      if (k === 'kind' && typeof x === 'string') continue;
      parts.push(typeof x === 'number' || typeof x === 'boolean' ? `${k}${x}` : `${k}-${valueLabel(x)}`);
    }
    return parts.length ? parts.join('-') : 'empty';
  }
  return String(v);
}

/** Letters, digits and . + - only; anything else becomes '-'. Never '.' or '..' alone. */
export function sanitize(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9.+-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-|-$/g, '');
  return clean === '' || /^\.+$/.test(clean) ? 'x' : clean;
}

function shortHash(v: unknown): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, 8);
}

/** `key=value` pairs joined by '_', in grid order; long names are cut and end in a hash of the params. */
export function combinationName(params: Params): string {
  const keys = Object.keys(params);
  if (keys.length === 0) return NO_GRID_NAME;
  const name = keys.map((k) => `${k}=${sanitize(valueLabel(params[k]))}`).join('_');
  return name.length <= MAX_NAME ? name : `${name.slice(0, MAX_NAME - 9)}~${shortHash(params)}`;
}

/**
 * A name per combination, in order. Where two different combinations would share a name (values
 * that differ only in characters a file name cannot hold), each gets a hash of its params.
 */
export function combinationNames(all: readonly Params[]): string[] {
  const names = all.map(combinationName);
  const count = new Map<string, number>();
  for (const n of names) count.set(n, (count.get(n) ?? 0) + 1);
  return names.map((n, i) => (count.get(n)! > 1 ? `${n.slice(0, MAX_NAME - 9)}~${shortHash(all[i])}` : n));
}

export function seedDirName(seed: number): string {
  return `seed-${seed}`;
}

/** How a combination reads in messages: topology={"kind":"ring","k":2}, train.lr=0.05 */
export function describeParams(params: Params): string {
  const keys = Object.keys(params);
  return keys.length === 0 ? '(the base config)' : keys.map((k) => `${k}=${JSON.stringify(params[k])}`).join(', ');
}
