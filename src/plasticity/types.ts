// The one interface every plasticity rule implements, and the shared buffers the probes use.
// A round: the rule plans which models each peer receives (its mixing links, then probes of
// candidates), workers measure how useful each received model is to its receiver, the rule
// updates its links from that, and each peer's mixing row is built from the links it heard.
import type { Stateful } from '../protocol/types.js';
import type { MixingMatrix, Topology } from '../types.js';
import type { PlasticityFields, PlasticitySpec } from './schema.js';

/** Shared with workers: the round's plan and the probes' results, plus each peer's probe batch. */
export interface PlasticShared {
  /** entries offsets[i] .. offsets[i+1] are the peers whose models peer i receives this round */
  offsets: Int32Array;
  sources: Int32Array;
  /** per entry: the source model's loss on the receiver's probe batch (loss), or the cosine of their updates (cosine) */
  pair: Float64Array;
  /** per peer: its own model's loss on its probe batch (loss signal) */
  own: Float64Array;
  /** each peer's held-out examples, perPeer of them, peer-major */
  probeX: Float32Array;
  probeY: Uint8Array;
  perPeer: number;
  /** cosine signal: the rows before the round's local steps */
  prev?: Float32Array;
}

/** The round's plan as the rule fills it (main thread), and what the update decides. */
export interface Plan {
  readonly shared: PlasticShared;
  /** per entry: the weight the receiver mixes this model with (0: probed only, not mixed) */
  readonly mix: Float64Array;
  /** Starts peer i's list (call for i = 0, 1, ... in order). */
  begin(i: number): void;
  /** Peer i receives `from`'s model this round. */
  push(from: number): void;
  /** Closes the list of the last peer begun. */
  end(): void;
}

export interface RuleContext {
  readonly peers: number;
  readonly spec: PlasticitySpec;
  readonly seed: number;
  /** the starting graph (peers' in-neighbours) */
  readonly topology: Topology;
  /** the run's mixing matrix on that graph */
  readonly mixing: MixingMatrix;
}

export interface PlasticRule extends Stateful {
  /** Which models each peer receives this round, in peer order. */
  plan(round: number, plan: Plan): void;
  /** From the probes' results: updates the links and sets plan.mix for every entry. */
  update(round: number, plan: Plan): void;
  /** Peer i's active in-links now, with strengths as the rule keeps them (self weight separately). */
  forEachInLink(i: number, f: (from: number, strength: number) => void): void;
  /** the strength the peer gives its own model in its mixing row */
  selfStrength(i: number): number;
  /** links grown and pruned since the start */
  readonly grown: number;
  readonly pruned: number;
}

export interface RuleDescriptor {
  readonly kind: string;
  readonly summary: string;
  /** runs through its own round (probes); false: the configured protocol's fixed graph */
  readonly plastic: boolean;
  create(ctx: RuleContext): PlasticRule;
  /** The rule's own checks against the run ("plasticity.field: what; what to do"). */
  check?(spec: PlasticityFields, run: RuleCheckContext): string[];
}

/** What a rule's check sees of the run. */
export interface RuleCheckContext {
  readonly rounds: number;
  /** what the protocol lets plasticity rewire (ProtocolNeeds.plasticity) */
  readonly rewires: 'rows' | 'peers';
  readonly protocol: string;
}
