// One interface for every synchronous protocol: compute locally, exchange, merge.
// Protocols drive the engine's operations; they never touch buffers or threads themselves.
import type { MixingMatrix, Topology } from '../types.js';

export interface RoundOps {
  readonly peers: number;
  /** bytes of one parameter vector on the wire (4 bytes per float) */
  readonly vectorBytes: number;
  /** Every listed peer (all if absent) takes its local steps. */
  train(round: number, peers?: number[]): Promise<void>;
  /** Every row becomes its W-weighted average of rows (sparse, cost ~ nnz(W) x params). */
  mix(round: number, w: MixingMatrix): Promise<void>;
  /** Every row becomes the plain average of the listed peers' rows (all if absent). */
  averageAll(round: number, peers?: number[]): Promise<void>;
}

/** What a round put on the wire: total bytes and bytes sent by each peer. */
export interface Traffic {
  bytes: number;
  perPeer: Float64Array;
}

export interface ProtocolContext {
  topology: Topology;
  mixing: MixingMatrix;
  seed: number;
}

export interface Protocol {
  readonly kind: string;
  /** Runs one round; returns what was sent. */
  round(ops: RoundOps, round: number): Promise<Traffic>;
}
