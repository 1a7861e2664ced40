// What the processes of a live asynchronous gossip run say to each other, typed in one file: the
// gossip message in a `rows` frame (receiver = the target peer, round = the sender's measurement
// unit) and the control messages of the run's measurement and end.
import { FRAME_KINDS, type Frame } from '../transport/types.js';
import { controlFrame, readControl } from '../transport/frame.js';
import type { LinkReport, WireNumber } from '../messages.js';

/** Bytes before a model in a gossip frame's payload: age (float64), flags (uint32), 4 reserved. */
export const GOSSIP_HEAD_BYTES = 16;
const REQUEST = 1;
const REPLY = 2;

/** A gossip message as the protocol module reads it, with the model it carries (none for requests). */
export interface GossipMessage {
  from: number;
  to: number;
  kind: 'model' | 'request';
  age: number;
  reply: boolean;
  /** the sender's row when sent (model messages) */
  model?: Float32Array;
}

/** A gossip message as a frame's payload (a copy of the model row). */
export function gossipPayload(kind: 'model' | 'request', age: number, reply: boolean, model?: Float32Array): Uint8Array {
  const dim = kind === 'model' ? model!.length : 0;
  const out = new Uint8Array(GOSSIP_HEAD_BYTES + dim * 4);
  const view = new DataView(out.buffer);
  view.setFloat64(0, age, true);
  view.setUint32(8, (kind === 'request' ? REQUEST : 0) | (reply ? REPLY : 0), true);
  if (model) new Float32Array(out.buffer, GOSSIP_HEAD_BYTES, dim).set(model);
  return out;
}

/** Reads a gossip frame; the model is a copy, aligned. */
export function readGossip(frame: Frame, dim: number): GossipMessage {
  const p = frame.payload;
  if (p.byteLength < GOSSIP_HEAD_BYTES) throw new Error(`live async: a ${p.byteLength}-byte gossip frame is shorter than its ${GOSSIP_HEAD_BYTES}-byte head`);
  const view = new DataView(p.buffer, p.byteOffset, GOSSIP_HEAD_BYTES);
  const flags = view.getUint32(8, true);
  const kind = flags & REQUEST ? 'request' : 'model';
  const m: GossipMessage = { from: frame.sender, to: frame.receiver, kind, age: view.getFloat64(0, true), reply: (flags & REPLY) !== 0 };
  if (kind === 'model') {
    if (p.byteLength !== GOSSIP_HEAD_BYTES + dim * 4) throw new Error(`live async: peer ${frame.sender} sent a ${p.byteLength}-byte model where ${GOSSIP_HEAD_BYTES + dim * 4} were due; do all processes run the same config?`);
    m.model = new Float32Array(p.slice(GOSSIP_HEAD_BYTES).buffer);
  }
  return m;
}

export function gossipFrame(unit: number, m: GossipMessage): Frame {
  return { round: unit, sender: m.from, receiver: m.to, kind: FRAME_KINDS.rows, payload: gossipPayload(m.kind, m.age, m.reply, m.model) };
}

/** Cumulative message counts; `delivered` counts the messages sent up to the report's unit that have arrived. */
export interface MessageCounts {
  sent: number;
  dropped: number;
  delivered: number;
}

/** A node's measurement at virtual time `round` (a whole unit of its wall clock), to the observer. */
export interface AsyncRoundMessage extends MessageCounts {
  type: 'async-round';
  round: number;
  /** local steps taken so far by this process's peers */
  peerSteps: number;
  /** this process's peers online (reachable) */
  online: number;
  /** cumulative bytes sent by each of this process's peers (the simulator's message sizes) */
  bytes: number[];
  /** wall seconds since the start, and in training / evaluation so far */
  seconds: number;
  trainMs: number;
  evalMs: number;
  /** from the last process of the chain */
  consensus?: { value: WireNumber; meanSq: WireNumber };
}

export type AsyncControl =
  | AsyncRoundMessage
  /** node -> every other node after its last send: nothing more follows on this link */
  | { type: 'async-flush' }
  /** node -> observer once drained: final counts (nothing in flight), links, wall seconds */
  | (MessageCounts & { type: 'async-final'; links: LinkReport[]; seconds: number; peerSteps: number });

export function asyncControlFrame(round: number, m: AsyncControl): Frame {
  return controlFrame(m, round);
}

export function readAsyncControl<T extends AsyncControl['type']>(frame: Frame): Extract<AsyncControl, { type: T }> {
  return readControl(frame) as Extract<AsyncControl, { type: T }>;
}
