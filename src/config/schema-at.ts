// Finds the part of a zod schema that validates the value at a path of the raw input, picking
// union members by the input's `kind`, so messages can say what a field allows.
import { z } from 'zod';

function unwrap(s: z.ZodTypeAny, value: unknown): z.ZodTypeAny | undefined {
  for (;;) {
    if (s instanceof z.ZodDefault) s = s._def.innerType;
    else if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s._def.innerType;
    else if (s instanceof z.ZodEffects) s = s._def.schema;
    else if (s instanceof z.ZodLazy) s = s._def.getter();
    else if (s instanceof z.ZodDiscriminatedUnion) {
      const kind = value && typeof value === 'object' ? (value as Record<string, unknown>).kind : value;
      const option = s.optionsMap.get(kind as string);
      if (!option) return undefined;
      s = option;
    } else return s;
  }
}

/** The schema of the value at `path` in `input` (undefined where the path leaves the schema). */
export function schemaAt(root: z.ZodTypeAny, path: readonly (string | number)[], input: unknown): z.ZodTypeAny | undefined {
  let schema: z.ZodTypeAny | undefined = root;
  let value: unknown = input;
  for (const p of path) {
    schema = schema && unwrap(schema, value);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodTypeAny>)[p];
    else if (schema instanceof z.ZodArray && typeof p === 'number') schema = schema.element as z.ZodTypeAny;
    else return undefined;
    value = value && typeof value === 'object' ? (value as Record<string | number, unknown>)[p] : undefined;
  }
  return schema && unwrap(schema, value);
}

/** Keys an object schema at `path` allows (empty if it is not an object). */
export function knownKeysAt(root: z.ZodTypeAny, path: readonly (string | number)[], input: unknown): string[] {
  const s = schemaAt(root, path, input);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** True where the schema asks for a whole number. */
export function wantsInteger(s: z.ZodTypeAny | undefined): boolean {
  return s instanceof z.ZodNumber && s.isInt;
}
