// Numbers the schema alone would let through: YAML's .inf and .nan (or 1e400, which parses as
// infinity) anywhere, and whole numbers too large to count exactly (rounds: 1e300).
import type { z } from 'zod';
import { schemaAt, wantsInteger } from './schema-at.js';

export interface NumberIssue {
  path: (string | number)[];
  message: string;
}

/** Walks the raw input; each problem names its path in the config. */
export function numberIssues(root: z.ZodTypeAny, input: unknown): NumberIssue[] {
  const out: NumberIssue[] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (typeof v === 'number') {
      const issue = describe(v, () => wantsInteger(schemaAt(root, path, input)));
      if (issue) out.push({ path, message: issue });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...path, i]));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    }
  };
  walk(input, []);
  return out;
}

function describe(v: number, wantsInt: () => boolean): string | undefined {
  if (Number.isNaN(v)) return 'NaN (.nan) is not a number; give a finite number';
  if (!Number.isFinite(v)) return `${v > 0 ? '' : '-'}infinity (.inf, or a number too large for a double) is not allowed; give a finite number`;
  if (Number.isInteger(v) && !Number.isSafeInteger(v) && wantsInt()) {
    return `${v} is too large to count exactly; use a whole number at most ${Number.MAX_SAFE_INTEGER}`;
  }
  return undefined;
}
