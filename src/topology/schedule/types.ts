// A schedule says which graph and mixing matrix are in force at each round. Static graphs
// return the same RoundGraph every round, so the hot path sees no change at all.
import type { z } from 'zod';
import type { Rng } from '../../rng.js';
import type { MixingMatrix, Topology } from '../../types.js';
import type { TopologyDescriptor } from '../descriptor.js';

/** The graph of one round with its mixing matrix and each peer's out-degree (messages it sends). */
export interface RoundGraph {
  readonly topology: Topology;
  readonly mixing: MixingMatrix;
  readonly outDegrees: Int32Array;
}

export interface Schedule {
  readonly kind: string;
  /** false: at() returns the same RoundGraph for every round */
  readonly timeVarying: boolean;
  /** The graph used by round r (rounds count from 1). Random schedules derive round r's graph from (seed, r) alone. */
  at(round: number): RoundGraph;
}

/** Builds the mixing matrix of a round's graph (the configured rule, or column-stochastic when directed). */
export type MixingFor = (t: Topology) => MixingMatrix;

export function roundGraph(topology: Topology, mixingFor: MixingFor, mixing?: MixingMatrix): RoundGraph {
  const outDegrees = new Int32Array(topology.n);
  for (let i = 0; i < topology.n; i++) outDegrees[i] = topology.offsets[i + 1] - topology.offsets[i];
  return { topology, mixing: mixing ?? mixingFor(topology), outDegrees };
}

export interface ScheduleContext {
  /** the run's topology (round 1's graph for static and resample) and its mixing matrix */
  readonly topology: Topology;
  readonly mixing: MixingMatrix;
  /** false: the topology is deterministic (a resampling schedule refuses it); absent: not checked */
  readonly topologyRandom?: boolean;
  readonly seed: number;
  readonly mixingFor: MixingFor;
  /** draws a fresh topology of the configured kind (resample) */
  readonly draw: (rng: Rng) => Topology;
}

/** What a schedule's check sees of the run. */
export interface ScheduleCheckContext {
  readonly topology: TopologyDescriptor;
  readonly peers: number;
  /** the registered topology kinds whose descriptor passes `pred` (for "use one of") */
  topologiesWhere(pred: (d: TopologyDescriptor) => boolean): string[];
}

/** What a schedule kind is: its schema, what it needs of the topology, and how it makes each round's graph. */
export interface ScheduleDescriptor<S extends z.ZodDiscriminatedUnionOption<'kind'> = z.ZodDiscriminatedUnionOption<'kind'>, K extends string = string> {
  readonly kind: K;
  readonly schema: S;
  readonly summary: string;
  /** the graph changes between rounds (protocols that need a fixed graph refuse it) */
  readonly timeVarying: boolean;
  /** each round's matrix is doubly stochastic even on a directed topology */
  readonly balancesDirected?: boolean;
  /** copies of the graph held at once (the next one is built beside the current): sizes the memory estimate. Absent: 1 */
  readonly graphCopies?: number;
  /** Why it cannot run on this topology ("topology.schedule: what; what to do"). */
  check?(spec: z.output<S>, ctx: ScheduleCheckContext): string[];
  create(spec: z.output<S>, ctx: ScheduleContext): Schedule;
}

export function defineSchedule<S extends z.ZodDiscriminatedUnionOption<'kind'>, K extends string>(d: ScheduleDescriptor<S, K>): ScheduleDescriptor<S, K> {
  return d;
}
