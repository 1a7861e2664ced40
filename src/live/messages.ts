// The control messages of a live run (JSON in `control` frames), typed in one file, and the
// codecs of every frame body the live engine sends: control JSON, float32 rows, float64 vectors.
import { FRAME_KINDS, type Frame } from './transport/types.js';

/** What a node reports of itself once its world is built and its links are up. */
export interface ReadyMessage {
  type: 'ready';
  backend: string;
  kernel: string;
  workers: number;
  simdUnavailable?: string;
  setupMs: number;
  slice: [number, number];
  /** why it runs inline though worker threads were asked for (tfjs-node) */
  warning?: string;
}

/** A node's round, to the observer; `traffic` from process 0, `consensus` from the last process of the chain. */
export interface RoundMessage {
  type: 'round';
  round: number;
  /** local steps taken so far by this process's peers */
  peerSteps: number;
  /** wall seconds from the round's start to the next one's on this process (its chain runs beside the next round), or to the end of its measurement */
  seconds: number;
  /** cumulative wall milliseconds in protocol rounds and in evaluation on this process */
  trainMs: number;
  evalMs: number;
  traffic?: { bytes: number; perPeer: number[]; perEdge?: number[] };
  /** as wireNumber: a diverged run's NaN must not become JSON's null */
  consensus?: { value: WireNumber; meanSq: WireNumber };
  /** from the last process, on evaluation rounds with eval.averageModel: the average model's test correct count and loss sum */
  averageModel?: { correct: number; lossSum: WireNumber };
  /** after a process was lost: this process's peers that mixed over fewer neighbours than W gives them this round */
  renormalised?: number;
  /** the processes this one counts as live in the round (after a loss) */
  live?: number[];
}

/** A number as JSON carries it: non-finite ones as their name. */
export type WireNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function wireNumber(x: number): WireNumber {
  return Number.isFinite(x) ? x : (String(x) as WireNumber);
}

export function fromWire(x: WireNumber): number {
  return typeof x === 'string' ? Number(x) : x;
}

/** Per link of a node, at the end: the transport's counters and the round-trip time of a few pings. */
export interface LinkReport {
  to: number;
  bytesSent: number;
  bytesReceived: number;
  framesSent: number;
  framesReceived: number;
  /** median round trip of a few small control frames, milliseconds (null: not measured) */
  rttMs: number | null;
}

export type ControlMessage =
  | ReadyMessage
  | RoundMessage
  /** observer -> nodes: go (after the set-up is announced) */
  | { type: 'start' }
  /** node -> observer: the node failed (it stops; the observer stops the others) */
  | { type: 'error'; message: string; round?: number; diverged?: boolean; culprit?: number }
  /** observer -> nodes: stop now (another process failed, or the run was interrupted) */
  | { type: 'stop'; reason: string; failed?: boolean }
  /** node -> observer after its last round: link figures and the wall seconds of its rounds */
  | { type: 'done'; links: LinkReport[]; roundsSeconds: number }
  /** observer -> nodes: everything arrived; close */
  | { type: 'bye' }
  | { type: 'ping'; seq: number }
  | { type: 'pong'; seq: number }
  /** node -> every member: this process heard nothing from `process` within the timeout and goes on without it */
  | { type: 'lost'; process: number; round: number }
  /**
   * node -> the other nodes: a process was lost during round `round`'s consensus chain, so this round
   * gets no consensus; every process drops it and forms the chain anew over the live ones next round
   */
  | { type: 'abandon'; round: number; lost: number[] }
  /** a process started again with a lost one's index -> the observer, then the live nodes: where it listens now */
  | { type: 'rejoin'; addresses: string[] }
  /** observer -> a rejoining process: the processes live now (it connects to them) */
  | { type: 'members'; live: number[] }
  /** node -> a rejoining process: the next round this node starts; it waits there until admitted */
  | { type: 'admit'; round: number }
  | { type: 'welcome'; next: number };

/** Who may send a control message: the observer, any node, a node to the observer or to another node, or any member. */
export type ControlSender = 'observer' | 'node' | 'node-to-observer' | 'node-to-node' | 'any';

/** Every control message type of a live run (these and the asynchronous run's), and who may send it: anything else is refused. */
export const CONTROL_SENDERS = {
  ready: 'node-to-observer', round: 'node-to-observer', error: 'node-to-observer', done: 'node-to-observer',
  start: 'observer', stop: 'observer', bye: 'observer', members: 'observer',
  ping: 'any', pong: 'any',
  lost: 'node', rejoin: 'node', admit: 'node',
  abandon: 'node-to-node', welcome: 'node-to-node',
  'async-round': 'node-to-observer', 'async-final': 'node-to-observer', 'async-flush': 'node-to-node',
} as const satisfies Record<ControlMessage['type'] | 'async-round' | 'async-final' | 'async-flush', ControlSender>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function controlFrame(round: number, message: ControlMessage): Frame {
  return { round, sender: -1, receiver: -1, kind: FRAME_KINDS.control, payload: encoder.encode(JSON.stringify(message)) };
}

export function parseControl(frame: Frame): ControlMessage {
  return JSON.parse(decoder.decode(frame.payload)) as ControlMessage;
}

/** float64 values as a frame body (a copy: the caller may reuse its array). */
export function float64Bytes(values: Float64Array): Uint8Array {
  return new Uint8Array(values.slice().buffer);
}

/** A frame body back to float64 values (copied to an aligned buffer). */
export function bytesFloat64(payload: Uint8Array): Float64Array {
  if (payload.byteLength % 8 !== 0) throw new Error(`live: a float64 frame body of ${payload.byteLength} bytes is not whole numbers`);
  // a Node Buffer's slice() is a view of a shared pool, not a copy: copy through a fresh Uint8Array
  return new Float64Array(new Uint8Array(payload).buffer);
}

/** Rows [first, first + count) of a rows x dim float32 buffer as a frame body: a view (every transport copies a payload as send is called). */
export function rowBytes(params: Float32Array, dim: number, first: number, count: number): Uint8Array {
  return new Uint8Array(params.buffer, params.byteOffset + first * dim * 4, count * dim * 4);
}

/** Writes a rows frame body into params at row `first` (the body is whole float32 rows). */
export function writeRows(params: Float32Array, dim: number, first: number, payload: Uint8Array): number {
  const rowLength = dim * 4;
  if (payload.byteLength % rowLength !== 0) throw new Error(`live: a rows frame of ${payload.byteLength} bytes is not whole rows of ${dim} floats`);
  const count = payload.byteLength / rowLength;
  if (first < 0 || (first + count) * dim > params.length) throw new Error(`live: rows ${first}..${first + count} lie outside the ${params.length / dim} peers`);
  new Uint8Array(params.buffer, params.byteOffset + first * rowLength, payload.byteLength).set(payload);
  return count;
}
