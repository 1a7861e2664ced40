// The one interface every protocol module implements: a descriptor that says what the protocol
// is (its config schema), what it needs of the run, how it is checked and what it costs on the
// wire, and how it runs, written against a small set of engine primitives (RoundOps, AsyncOps)
// that behave identically inline and in worker threads.
import type { z } from 'zod';
import type { ExperimentConfig } from '../config/schema.js';
import type { Schedule } from '../topology/schedule/index.js';
import type { MixingMatrix, Topology } from '../types.js';

/** The primitives a synchronous protocol drives; it never touches buffers or threads itself. */
export interface RoundOps {
  readonly peers: number;
  /** floats in one parameter vector */
  readonly dim: number;
  /** bytes of one parameter vector on the wire (4 bytes per float) */
  readonly vectorBytes: number;
  /** A per-peer scalar declared in needs.scalars (1 for every peer at the start); main thread only. */
  scalars(name: string): Float64Array;
  /** Every listed peer (all if absent) takes its local steps. */
  train(round: number, peers?: number[]): Promise<void>;
  /**
   * Gather: every row becomes its combination of the rows it hears (row i of w, self included),
   * by the run's aggregation rule: the w-weighted mean by default, or a robust rule.
   */
  mix(round: number, w: MixingMatrix): Promise<void>;
  /** train(round) then mix(round, w); one worker may run both phases back to back. */
  trainThenMix(round: number, w: MixingMatrix): Promise<void>;
  /** Every row becomes the plain average of the listed peers' rows (all if absent), summed in a fixed order. */
  averageAll(round: number, peers?: number[]): Promise<void>;
  /**
   * Runs this protocol's row operation `op` (descriptor.rowOps) over every row, split in ranges
   * over the workers. `args` must be structured-cloneable (plain data and typed arrays).
   */
  rows(round: number, op: string, args: unknown): Promise<void>;
}

/** What a row operation sees, in whatever thread runs it. */
export interface RowEnv {
  readonly peers: number;
  readonly dim: number;
  readonly round: number;
  /** the run's seed: per-peer streams are createRng(seed, purpose, peer, round) */
  readonly seed: number;
  /** the current parameter rows (peers x dim), updated in place */
  readonly x: Float32Array;
  /** A per-peer row buffer declared in needs.buffers (peers x dim), kept across rounds. */
  buffer(name: string): Float32Array;
  /** Per-thread scratch of `length` entries, reused across tasks (contents undefined). */
  scratch(name: string, length: number): Float32Array;
  scratch64(name: string, length: number): Float64Array;
  scratchU8(name: string, length: number): Uint8Array;
}

/** Works on rows [r0, r1) only, reading anything: any split of rows gives the same bits. */
export type RowOp<A> = (env: RowEnv, args: A, r0: number, r1: number) => void;

/**
 * How a row operation that reads other peers' state runs when the peers live in several
 * processes (live mode), each running it on its own rows only. An op that `publishes` updates
 * state other peers keep a copy of: each peer's message goes once to every process hosting a
 * neighbour of it (static graph), which applies it to its copy. An op that reads its neighbours
 * through a mixing matrix names it, so that a peer that did not hear from some of them (a lost
 * process) mixes over those that answered, the matrix's row rescaled.
 */
export interface LiveRowOp<A> {
  publishes?: {
    /** the op on peer i's row (this process's own), returning what i sends its neighbours */
    send(env: RowEnv, args: A, i: number): Uint8Array;
    /** neighbour j's message applied to this process's copy of j's state */
    receive(env: RowEnv, args: A, j: number, payload: Uint8Array): void;
  };
  mixing?: {
    of(args: A): MixingMatrix;
    with(args: A, w: MixingMatrix): A;
  };
}

/** What a round put on the wire: total bytes and bytes sent by each peer. */
export interface Traffic {
  bytes: number;
  perPeer: Float64Array;
  /** bytes per directed link, indexed like the static topology's CSR entries (offsets/neighbors), where links differ */
  perEdge?: Float64Array;
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

export interface ProtocolContext {
  /** the run's topology (round 1's graph under a time-varying schedule) and its mixing matrix */
  topology: Topology;
  mixing: MixingMatrix;
  /** graph and mixing matrix in force at each round */
  schedule: Schedule;
  seed: number;
  /** bytes of one message of this protocol (descriptor.messageBytes for this run) */
  messageBytes: number;
}

/** State a protocol keeps between rounds (random streams, ages...), for checkpoints: plain data and typed arrays. */
export interface Stateful {
  snapshot?(): unknown;
  restore?(state: unknown): void;
}

export interface Protocol extends Stateful {
  /** Runs one round; returns what was sent. */
  round(ops: RoundOps, round: number): Promise<Traffic>;
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
  /** The model a model message carries (a view of the snapshot in flight; read it, do not keep it). */
  model(message: AsyncMessage): Float32Array;
  /** Peer p takes its local steps. */
  train(p: number): Promise<void>;
}

export interface AsyncContext {
  peers: number;
  seed: number;
  localSteps: number;
}

/** Event-driven protocols: each peer acts when its clock wakes it and when a message reaches it. */
export interface AsyncProtocol extends Stateful {
  wake(p: number, ops: AsyncOps): Promise<void>;
  receive(message: AsyncMessage, ops: AsyncOps): Promise<void>;
}

/** What a protocol demands of the run; the config checks and the engine read it, nothing else. */
export interface ProtocolNeeds {
  /** synchronous rounds, or each peer's own clock (time.mode: async) */
  readonly time: 'sync' | 'async';
  /** runs on directed graphs (column-stochastic mixing); false: needs doubly stochastic mixing */
  readonly directed: boolean;
  /** runs under a time-varying schedule */
  readonly timeVarying: boolean;
  /**
   * true: combines neighbours only through ops.mix, so any aggregation rule may replace the mean;
   * 'pairwise': merges one received model at a time through the rule's pairwise merge (rules that
   * have one: mean, clipped-gossip with a fixed tau)
   */
  readonly aggregation: boolean | 'pairwise';
  /** per-peer rows (peers x dim) kept across rounds, e.g. CHOCO's public estimates */
  readonly buffers?: readonly string[];
  /** per-peer scalars, e.g. push-sum weights */
  readonly scalars?: readonly string[];
  /**
   * runs across processes in `plexus live`: a synchronous protocol through ops.mix, ops.averageAll
   * and its liveRowOps; an asynchronous one in the asynchronous live mode
   */
  readonly live?: boolean;
  /**
   * what plasticity rewires: 'rows', the mixing rows of a protocol that mixes through them; 'peers',
   * whom a gossip protocol talks to; absent: plasticity does not apply
   */
  readonly plasticity?: 'rows' | 'peers';
}

/** The object schema of one module's config: `{ kind: literal, ...its fields }`. */
export type KindSchema = z.ZodDiscriminatedUnionOption<'kind'>;

interface DescriptorBase<S extends KindSchema> {
  readonly kind: z.output<S>['kind'];
  readonly schema: S;
  /** one line for help texts */
  readonly summary: string;
  readonly needs: ProtocolNeeds;
  /** said after the mixing rule on the set-up line when the protocol does not use it */
  readonly mixingNote?: string;
  /** Cross-field checks on the resolved config: "path: what is wrong; what to do". */
  check?(spec: z.output<S>, config: ExperimentConfig): string[];
  /** Checks on the built static graph (edge-list files are only known at set-up). */
  graphIssues?(spec: z.output<S>, topology: Topology): string[];
  /** Bytes of one message carrying a model of `dim` floats. */
  messageBytes(spec: z.output<S>, dim: number): number;
}

export interface SyncProtocolDescriptor<S extends KindSchema = KindSchema> extends DescriptorBase<S> {
  readonly needs: ProtocolNeeds & { time: 'sync' };
  /** Row operations this protocol runs through ops.rows, by name; they run in workers. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly rowOps?: Readonly<Record<string, RowOp<any>>>;
  /** how the row operations run live (src/live/): an op without an entry runs on each process's own rows as it is */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly liveRowOps?: Readonly<Record<string, LiveRowOp<any>>>;
  /**
   * Live mode: the per-peer scalar (one of needs.scalars) that travels with each row and by which a
   * receiver renormalises what it mixes over the mass that came (push-sum's weights); undefined: none.
   */
  liveMass?(spec: z.output<S>): string | undefined;
  /**
   * Live mode: when a process is lost, its rounds go on mixing over the neighbours that answered
   * (the mixing rows rescaled); false or absent: the run stops, naming the lost processes.
   */
  readonly liveRenormalises?: boolean;
  create(spec: z.output<S>, ctx: ProtocolContext): Protocol;
}

export interface AsyncProtocolDescriptor<S extends KindSchema = KindSchema> extends DescriptorBase<S> {
  readonly needs: ProtocolNeeds & { time: 'async' };
  create(spec: z.output<S>, ctx: AsyncContext): AsyncProtocol;
}

export type ProtocolDescriptor<S extends KindSchema = KindSchema> = SyncProtocolDescriptor<S> | AsyncProtocolDescriptor<S>;

/** Identity helpers that check a module's descriptor against its own schema. */
export function defineProtocol<S extends KindSchema>(d: SyncProtocolDescriptor<S>): SyncProtocolDescriptor<S> {
  return d;
}
export function defineAsyncProtocol<S extends KindSchema>(d: AsyncProtocolDescriptor<S>): AsyncProtocolDescriptor<S> {
  return d;
}
