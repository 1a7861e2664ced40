// Config values by dotted path ("topology.kind", "train.lr"): what groups and labels are made of.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys that never separate groups: runs that differ only in these are seeds of one experiment. */
export const IGNORED_KEYS = ['seed', 'name'] as const;

/** JSON with object keys sorted, so equal configs give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The config without the keys that only tell seeds apart. */
export function withoutIgnored(config: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...config };
  for (const k of IGNORED_KEYS) delete rest[k];
  return rest;
}

/** Every leaf of the config by dotted path, in the config's order (arrays are leaves). */
export function leafPaths(value: unknown, prefix = ''): [string, unknown][] {
  if (!isObject(value)) return prefix === '' ? [] : [[prefix, value]];
  return Object.entries(value).flatMap(([k, v]) => (isObject(v) ? leafPaths(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v]]));
}

/** Every path with a value, leaves and the objects above them. */
export function allPaths(value: unknown, prefix = ''): string[] {
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}${k}`, ...allPaths(v, `${prefix}${k}.`)]);
}

export function getPath(value: unknown, path: string): unknown {
  let v = value;
  for (const part of path.split('.')) {
    if (!isObject(v)) return undefined;
    v = v[part];
  }
  return v;
}

/**
 * A value as a label shows it: strings bare, numbers as written, an object as its kind and its
 * other fields ("ring, k=1"), anything deeper as compact JSON without quotes.
 */
export function formatValue(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (isObject(v) && Object.values(v).every((x) => !isObject(x) && !Array.isArray(x))) {
    const { kind, ...rest } = v;
    const fields = Object.entries(rest).map(([k, x]) => `${k}=${formatValue(x)}`);
    return (kind === undefined ? fields : [formatValue(kind), ...fields]).join(', ');
  }
  return canonicalJson(v).replace(/"/g, '');
}
