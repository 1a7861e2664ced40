// Tagged unions of config kinds, built from the registries that own them, so every list of
// kinds is declared once (in its registry) and its TypeScript type is derived from the schema.
import { z } from 'zod';
import { didYouMean } from './did-you-mean.js';

/** Accepts `kind` alone as a string shorthand for `{ kind }`. */
export function kindOrObject<T extends z.ZodTypeAny>(kinds: readonly string[], schema: T) {
  return z.preprocess((v) => (typeof v === 'string' && kinds.includes(v) ? { kind: v } : v), schema);
}

/** Like kindOrObject, and an unknown string gets a "did you mean" instead of "expected object". */
export function namedKind<T extends z.ZodTypeAny>(kinds: readonly string[], schema: T) {
  return z.preprocess((v, ctx) => {
    if (typeof v !== 'string') return v;
    if (kinds.includes(v)) return { kind: v };
    const hint = didYouMean(v, [...kinds]);
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `${JSON.stringify(v)} is not allowed${hint ? ` (did you mean '${hint}'?)` : ''}; use one of ${kinds.join(' | ')}`,
      // fatal: the union below would only add a second, confusing issue about `kind`
      fatal: true,
    });
    return z.NEVER;
  }, schema);
}

type Option = z.ZodDiscriminatedUnionOption<'kind'>;
type Options<T extends readonly { schema: Option }[]> = { -readonly [I in keyof T]: T[I]['schema'] };

/**
 * The config schema of a registry: `{ kind, ...fields }` of each entry, with `kind` alone as a
 * shorthand and a "did you mean" for a misspelt kind.
 */
export function unionOfKinds<T extends readonly [{ readonly schema: Option; readonly kind: string }, ...{ readonly schema: Option; readonly kind: string }[]]>(entries: T) {
  const kinds = entries.map((e) => e.kind);
  const schemas = entries.map((e) => e.schema) as unknown as Options<T> & [Option, ...Option[]];
  return namedKind(kinds, z.discriminatedUnion('kind', schemas));
}

/** A whole number >= min that is exactly representable (rounds: 1e300 is refused). */
export const int = (min: number) => z.number().int().min(min).max(Number.MAX_SAFE_INTEGER);
/** A probability in [0, 1]. */
export const prob = z.number().min(0).max(1);

type Tagged = [Option, ...Option[]];

/** A discriminated union on `kind` whose kinds are read from its options (never listed twice). */
export function taggedUnion<T extends Tagged>(options: T, opts: { named?: boolean } = {}) {
  const kinds = options.map((o) => (o.shape.kind as z.ZodLiteral<string>).value);
  const union = z.discriminatedUnion('kind', options);
  return opts.named ? namedKind(kinds, union) : kindOrObject(kinds, union);
}
