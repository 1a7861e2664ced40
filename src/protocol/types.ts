// One interface for every synchronous protocol: compute locally, exchange, merge.
// Protocols drive the engine's operations; they never touch parameter buffers or threads themselves.
import type { MixingMatrix, Topology } from '../types.js';
import type { Schedule } from '../topology/schedule/index.js';
import type { CompressionSpec } from './compression/index.js';

export interface RoundOps {
  readonly peers: number;
  /** floats in one parameter vector */
  readonly dim: number;
  /** bytes of one parameter vector on the wire (4 bytes per float) */
  readonly vectorBytes: number;
  /** Per-peer scalar weights (push-sum), 1 at the start; the protocol owns their updates. */
  readonly peerWeight: Float64Array;
  /** Every listed peer (all if absent) takes its local steps. */
  train(round: number, peers?: number[]): Promise<void>;
  /** Every row becomes its W-weighted average of rows (sparse, cost ~ nnz(W) x params). */
  mix(round: number, w: MixingMatrix): Promise<void>;
  /**
   * train(round) then mix(round, w), as one operation: the engine may submit both phases at
   * once where the order alone keeps them apart (a single worker runs tasks in order).
   */
  trainThenMix(round: number, w: MixingMatrix): Promise<void>;
  /** Every row becomes the plain average of the listed peers' rows (all if absent). */
  averageAll(round: number, peers?: number[]): Promise<void>;
  /**
   * Needs the auxiliary buffer (ProtocolNeeds.aux): for every peer, aux_i += C(x_i - aux_i),
   * with C drawn from the stream (seed, 'compress', i, round).
   */
  compressToAux(round: number, compression: CompressionSpec): Promise<void>;
  /** Needs the auxiliary buffer: x_i += gamma * ((W aux)_i - aux_i) for every peer. */
  consensusStep(round: number, w: MixingMatrix, gamma: number): Promise<void>;
}

/** What a round put on the wire: total bytes and bytes sent by each peer. */
export interface Traffic {
  bytes: number;
  perPeer: Float64Array;
  /** bytes per directed link, indexed like the static topology's CSR entries (offsets/neighbors), where links differ */
  perEdge?: Float64Array;
}

export interface ProtocolContext {
  /** the run's topology (round 1's graph under a time-varying schedule) and its mixing matrix */
  topology: Topology;
  mixing: MixingMatrix;
  /** graph and mixing matrix in force at each round */
  schedule: Schedule;
  seed: number;
}

/** Extra shared state a protocol needs; allocated only when the protocol is selected. */
export interface ProtocolNeeds {
  /** a second peers x params buffer (CHOCO's public estimates x-hat) */
  aux: boolean;
}

export interface Protocol {
  readonly kind: string;
  /** Runs one round; returns what was sent. */
  round(ops: RoundOps, round: number): Promise<Traffic>;
}

/** Bytes when every peer sends `bytesPerMessage` to each of its out-neighbours. */
export function trafficOf(outDegrees: Int32Array, bytesPerMessage: number): Traffic {
  const perPeer = new Float64Array(outDegrees.length);
  let bytes = 0;
  for (let i = 0; i < outDegrees.length; i++) {
    perPeer[i] = outDegrees[i] * bytesPerMessage;
    bytes += perPeer[i];
  }
  return { bytes, perPeer };
}

/** A message in flight in async mode: a model snapshot (with its sender's age) or a pull request. */
export interface AsyncMessage {
  readonly from: number;
  readonly to: number;
  readonly kind: 'model' | 'request';
  /** the sender's model age when sent (model messages) */
  readonly age: number;
  /** push-pull: the receiver should answer with its own model */
  readonly reply: boolean;
}

/** What the event-driven scheduler offers an async protocol; every call is about one peer. */
export interface AsyncOps {
  readonly peers: number;
  /** virtual time of the event being handled */
  readonly now: number;
  /** out-neighbours of p (sorted) */
  neighbours(p: number): Int32Array;
  /** Sends a snapshot of p's current parameters to q (vectorBytes + 8 bytes of age); may be lost. */
  sendModel(p: number, q: number, age: number, reply: boolean): void;
  /** Sends a small pull request from p to q; may be lost. */
  sendRequest(p: number, q: number): void;
  /** row p <- (1 - a) row p + a * (the message's model), a in [0, 1]. */
  merge(p: number, message: AsyncMessage, a: number): void;
  /** Peer p takes its local steps. */
  train(p: number): Promise<void>;
}

/** Event-driven protocols: each peer acts when its clock wakes it and when a message reaches it. */
export interface AsyncProtocol {
  readonly kind: string;
  wake(p: number, ops: AsyncOps): Promise<void>;
  receive(message: AsyncMessage, ops: AsyncOps): Promise<void>;
}
