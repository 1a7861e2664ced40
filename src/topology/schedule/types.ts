// A schedule says which graph and mixing matrix are in force at each round. Static graphs
// return the same RoundGraph every round, so the hot path sees no change at all.
import type { MixingMatrix, Topology } from '../../types.js';

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
