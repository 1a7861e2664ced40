// A registry of one sort of kind (protocols, aggregation rules, attacks...): the built-ins and
// whatever plug-ins add, each known by its `kind`. The config union of the sort is built from what
// is registered when a config is validated, so a plug-in's kind is checked exactly like a built-in's.
import { z } from 'zod';
import { PlexusError } from '../errors.js';
import { unionOfKinds } from './kinds.js';

/** What every registered kind has: its name and its config schema `{ kind: literal, ...fields }`. */
export interface KindEntry {
  /** a string: typed unknown so that descriptors generic in their schema fit */
  readonly kind: unknown;
  readonly schema: z.ZodDiscriminatedUnionOption<'kind'>;
  readonly summary: string;
}

/** A kind could not be registered (a name taken, a bad schema): names both sides. */
export class RegistryError extends PlexusError {}

/** Where a kind comes from: 'built-in', or a plug-in's file. */
export type KindSource = string;

export class KindRegistry<T extends KindEntry> {
  private readonly entries = new Map<string, { entry: T; source: KindSource }>();
  private union?: z.ZodTypeAny;

  /**
   * @param sort how configs name it ("aggregation", "adversaries.attack"), for messages
   * @param field the plug-in field that adds to it ("aggregations", "attacks")
   */
  constructor(readonly sort: string, readonly field: string, builtIns: readonly T[]) {
    for (const e of builtIns) this.register(e, 'built-in');
  }

  /** Adds a kind; refused when its name is taken or its schema does not declare the same `kind` literal. */
  register(entry: T, source: KindSource): void {
    const problem = entryProblem(entry);
    if (problem) throw new RegistryError(`${this.field}: ${problem}`);
    const kind = entry.kind as string;
    const taken = this.entries.get(kind);
    if (taken) {
      const by = taken.source === 'built-in' ? 'a built-in' : `the plug-in ${taken.source}`;
      throw new RegistryError(`${this.field}: the kind '${kind}' is taken by ${by}; give yours another name`);
    }
    this.entries.set(kind, { entry, source });
    this.union = undefined;
  }

  /** Removes the kinds a source added (a plug-in that failed to load half-way). */
  unregisterSource(source: KindSource): void {
    for (const [k, v] of this.entries) if (v.source === source) this.entries.delete(k);
    this.union = undefined;
  }

  has(kind: string): boolean {
    return this.entries.has(kind);
  }

  /** The entry of `kind`; a RangeError naming the known kinds when there is none. */
  get(kind: string): T {
    const e = this.entries.get(kind);
    if (!e) throw new RangeError(`${this.sort}: unknown kind '${kind}'; use one of ${this.kinds().join(' | ')}`);
    return e.entry;
  }

  /** 'built-in' or the plug-in file that registered `kind`. */
  sourceOf(kind: string): KindSource | undefined {
    return this.entries.get(kind)?.source;
  }

  list(): T[] {
    return [...this.entries.values()].map((e) => e.entry);
  }

  kinds(): string[] {
    return [...this.entries.keys()];
  }

  /** The config union of every registered kind (rebuilt after a registration). */
  schema(): z.ZodTypeAny {
    this.union ??= unionOfKinds(this.list() as unknown as Parameters<typeof unionOfKinds>[0]);
    return this.union;
  }

  /**
   * The config union as a schema that reads the registry when it validates (so it can sit in the
   * static config schema), typed as the built-ins' union `S`.
   */
  lazySchema<S extends z.ZodTypeAny>(): S {
    return z.lazy(() => this.schema()) as unknown as S;
  }
}

/** Why an entry cannot be a kind, or undefined. */
function entryProblem(e: KindEntry): string | undefined {
  if (!e || typeof e !== 'object') return 'an entry is not an object';
  if (typeof e.kind !== 'string' || !/^[a-z][a-z0-9-]*$/i.test(e.kind)) {
    return `kind ${JSON.stringify(e.kind)} must be a name of letters, digits and '-'`;
  }
  if (!(e.schema instanceof z.ZodObject)) {
    return `'${e.kind}': schema must be a zod object (z.object({ kind: z.literal('${e.kind}'), ... })) made with the z that plexus exports`;
  }
  const lit = (e.schema.shape as Record<string, unknown>).kind;
  if (!(lit instanceof z.ZodLiteral) || lit.value !== e.kind) {
    return `'${e.kind}': schema must have kind: z.literal('${e.kind}')`;
  }
  if (typeof e.summary !== 'string' || e.summary.length === 0) return `'${e.kind}': summary must be a one-line description`;
  return undefined;
}
