// What a topology kind is: its config schema, how it builds the graph, and what the config checks
// and the memory estimate need to know of it without building it. One descriptor per kind, in the
// kind's own module; the registry (index.ts) lists them and plug-ins add to it.
import type { z } from 'zod';
import type { Rng } from '../rng.js';
import type { Topology } from '../types.js';

export interface CreateTopologyOptions {
  /** Directory that a relative file path is resolved against (default: the working directory). */
  readonly baseDir?: string;
}

export interface TopologyDescriptor<S extends z.ZodDiscriminatedUnionOption<'kind'> = z.ZodDiscriminatedUnionOption<'kind'>, K extends string = string> {
  readonly kind: K;
  /** `{ kind: literal, ...fields, schedule: scheduleSchema.optional() }` */
  readonly schema: S;
  readonly summary: string;
  /** The graph over peers 0..n-1; a random kind draws only from `rng`. Throws TopologyError. */
  build(spec: z.output<S>, n: number, rng: Rng, opts: CreateTopologyOptions): Topology;
  /** Why `spec` cannot make a graph of `peers` peers ("topology.field: what; what to do"), checked before any run. */
  check?(spec: z.output<S>, peers: number): string[];
  /** Directed links (CSR entries) of the graph, exact or an upper bound: sizes the memory estimate. Absent: n(n-1). */
  estimateLinks?(spec: z.output<S>, peers: number): number;
  /** The most in-links one peer has (exact or an upper bound): bounds the links adversaries craft. Absent: n-1. */
  maxDegree?(spec: z.output<S>, peers: number): number;
  /** one-way edges (column-stochastic mixing): a flag, or read from the spec. Absent: undirected. */
  readonly directed?: boolean | ((spec: z.output<S>) => boolean);
  /** drawn from the rng (a resampling schedule can redraw it) */
  readonly random?: boolean;
  /** every pair of peers linked: a round averages all rows without a mixing matrix */
  readonly complete?: boolean;
  /** edges i -> i + 2^j (mod n): a schedule can walk them one hop per round */
  readonly exponentialHops?: boolean;
  /** Bytes held while the graph is built beyond the graph itself (a file's text), for `links` links. */
  buildBytes?(spec: z.output<S>, links: number): number;
  /** The spec with its relative file paths made absolute against `baseDir` (raw config input or parsed spec). */
  withBaseDir?(spec: Record<string, unknown>, baseDir: string): Record<string, unknown>;
}

/** Writes a topology kind; the spec type of every method is the schema's. */
export function defineTopology<S extends z.ZodDiscriminatedUnionOption<'kind'>, K extends string>(d: TopologyDescriptor<S, K> & { kind: K }): TopologyDescriptor<S, K> {
  return d;
}

/** Whether the graph `spec` describes has one-way edges. */
export function isDirected(d: TopologyDescriptor, spec: { kind: string }): boolean {
  return typeof d.directed === 'function' ? d.directed(spec as never) : d.directed === true;
}
