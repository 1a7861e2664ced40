// What a member of a live run may send, checked as each frame arrives: who may send which control
// message, which kinds go where, the rounds that can legitimately be ahead or behind, and whose
// peers a frame may speak for. A frame outside these is the sending member's fault: the run stops
// with a ProtocolViolation naming that member (the transport has authenticated who sent it).
import { PlexusError } from '../errors.js';
import { FRAME_KINDS, type Frame } from './transport/types.js';
import { CONTROL_SENDERS, type ControlSender } from './messages.js';

/** A member of the run sent what the protocol does not allow: `process` is that member. */
export class ProtocolViolation extends PlexusError {
  constructor(readonly process: number, what: string) {
    super(`live: process ${process} broke the protocol: ${what}`);
  }
}

/**
 * How many rounds another node can legitimately be ahead of this one: round r+1 starts only
 * after round r-1's consensus chain ended, and every process takes part in each chain, so no
 * process enters round r+2 before every other one has finished round r's exchange.
 */
export const ROUNDS_AHEAD = 2;
/** ... and behind: a round's chain runs beside the next round, and a late lost process's frames are dropped before this check. */
export const ROUNDS_BEHIND = 2;

/** Why control message `m` may not come from `from` to `self` (the observer is member `processes`), or undefined. */
export function controlIssue(from: number, self: number, processes: number, m: unknown): string | undefined {
  const type = (m as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(CONTROL_SENDERS, type)) return `a control message of unknown type ${JSON.stringify(type)}`;
  const who: ControlSender = CONTROL_SENDERS[type as keyof typeof CONTROL_SENDERS];
  const observer = processes;
  if (who === 'observer' && from !== observer) return `a '${type}' message, which only the observer (member ${observer}) sends`;
  if (who === 'node' && from === observer) return `a '${type}' message, which only a node sends`;
  if (who === 'node-to-observer' && (from === observer || self !== observer)) return `a '${type}' message to ${self === observer ? 'the observer' : `process ${self}`}, which only a node sends the observer`;
  if (who === 'node-to-node' && (from === observer || self === observer)) return `a '${type}' message, which only a node sends another`;
  return undefined;
}

/** The frames a synchronous live node accepts: rows, updates and chain carries from nodes within the round window, control from anyone. */
export function nodeFrameIssue(o: { processes: number; slices: readonly (readonly [number, number])[]; now: () => number }, from: number, frame: Frame): string | undefined {
  if (frame.kind === FRAME_KINDS.control) return undefined;
  if (from === o.processes) return `a frame of kind ${frame.kind}; the observer sends nodes control frames only`;
  if (frame.kind === FRAME_KINDS.eval) return 'an evaluation frame to a node; those go to the observer';
  const now = o.now();
  if (frame.round > now + ROUNDS_AHEAD) return `a frame for round ${frame.round} while this process is at round ${now}; no process can be more than ${ROUNDS_AHEAD} rounds ahead`;
  if (frame.round < now - ROUNDS_BEHIND) return `a frame for round ${frame.round} while this process is at round ${now}; no process can be more than ${ROUNDS_BEHIND} rounds behind`;
  if (frame.receiver !== -1) return `a frame to peer ${frame.receiver}; a round's frames go to the process (receiver -1)`;
  if (frame.kind === FRAME_KINDS.reduce) return frame.sender === -1 ? undefined : `a chain frame from peer ${frame.sender}; chain frames come from the process (sender -1)`;
  const [a, b] = o.slices[from];
  if (frame.sender < a || frame.sender >= b) return `a frame for peer ${frame.sender}, which it does not host (its peers are ${a}..${b - 1})`;
  return undefined;
}

/** The frames the observer accepts from a node: its own evaluation (of its slice, rounds 0..rounds) and control. */
export function observerFrameIssue(o: { processes: number; rounds: number; slices: readonly (readonly [number, number])[] }, from: number, frame: Frame): string | undefined {
  if (from >= o.processes) return `a frame from member ${from}, which is not a process of 0..${o.processes - 1}`;
  if (frame.round > o.rounds) return `a frame for round ${frame.round} of a run of ${o.rounds} rounds`;
  if (frame.kind === FRAME_KINDS.control) return undefined;
  if (frame.kind !== FRAME_KINDS.eval) return `a frame of kind ${frame.kind} to the observer, which takes evaluation and control frames only`;
  const [a, b] = o.slices[from];
  if (frame.sender !== a) return `the evaluation of peers ${frame.sender}.. where its own, ${a}..${b - 1}, were due`;
  return undefined;
}

/** The index of the first non-finite value, or -1. */
export function firstNonFinite(values: Float32Array | Float64Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** This process was gone on without by another (a timeout, a closed link): it stops, and may rejoin. */
export class LiveEvicted extends PlexusError {}

/** The observer did not take this process back: its index is live (or the observer cannot reach it). A user error at the CLI. */
export class RejoinRefused extends PlexusError {}

/** The observer stopped this process because the run failed elsewhere: it ends as a failure too (exit 1). */
export class LiveFailed extends PlexusError {}

/** The most payload bytes a node holds from the observer (its control messages) before they are taken. */
export const OBSERVER_QUEUE_BYTES = 2 ** 20;

/**
 * The most payload bytes a node holds from process `slice`'s host before they are due: its rows
 * (with a float64 each) or as many messages, and the chain's carries, for every round of the window.
 */
export function queueLimit(slice: readonly [number, number], rowBytes: number): number {
  const rows = slice[1] - slice[0];
  const perRound = 2 * rows * (rowBytes + 64) + 16 * rowBytes + 2 ** 20;
  return perRound * (ROUNDS_AHEAD + ROUNDS_BEHIND + 1);
}

/**
 * A failure as an Error with a message: a libp2p stream that closes mid-write rejects with its
 * close Event, which would print as "[object Event]". Errors pass as they are (a bug keeps its stack).
 */
export function asError(e: unknown): Error {
  if (e instanceof Error) return e;
  if (typeof Event !== 'undefined' && e instanceof Event) {
    const error = (e as Event & { error?: unknown }).error;
    return new PlexusError(`live: a connection ended ('${e.type}' event${error instanceof Error ? `: ${error.message}` : ''})`);
  }
  return new PlexusError(`live: ${String(e)}`);
}

/**
 * What the observer says of a node's error report: a protocol violation it found names the
 * member that broke the protocol (not the one that found it); anything else names the node.
 */
export function failureMessage(from: number, m: { message: string; round?: number; culprit?: number }, unit: string): string {
  if (typeof m.message !== 'string') return `live: process ${from} failed with an unreadable error report`;
  if (m.culprit !== undefined && m.message.startsWith(`live: process ${m.culprit} broke the protocol`)) return m.message;
  return `live: process ${from} failed${typeof m.round === 'number' ? ` at ${unit} ${m.round}` : ''}: ${m.message}`;
}

const isNumber = (x: unknown) => typeof x === 'number';
const isWire = (x: unknown) => typeof x === 'number' || x === 'NaN' || x === 'Infinity' || x === '-Infinity';
const numbers = (x: unknown, length?: number) => Array.isArray(x) && (length === undefined || x.length === length) && x.every(isNumber);

/** What is wrong with a node's round report for `round` (shapes only: the figures are the member's), or undefined. */
export function roundReportIssue(m: Record<string, unknown>, round: number, o: { peers: number; edges: number; processes: number }): string | undefined {
  if (m.round !== round) return `a report for round ${String(m.round)} under round ${round}`;
  for (const f of ['peerSteps', 'seconds', 'trainMs', 'evalMs'] as const) if (!isNumber(m[f])) return `a round ${round} report whose ${f} is not a number`;
  const t = m.traffic as Record<string, unknown> | undefined;
  if (t !== undefined && (typeof t !== 'object' || t === null || !isNumber(t.bytes) || !numbers(t.perPeer, o.peers) || (t.perEdge !== undefined && !numbers(t.perEdge, o.edges)))) {
    return `a round ${round} report whose traffic is not bytes, ${o.peers} per-peer and ${o.edges} per-link numbers`;
  }
  const c = m.consensus as Record<string, unknown> | undefined;
  if (c !== undefined && (typeof c !== 'object' || c === null || !isWire(c.value) || !isWire(c.meanSq))) return `a round ${round} report whose consensus is not two numbers`;
  const a = m.averageModel as Record<string, unknown> | undefined;
  if (a !== undefined && (typeof a !== 'object' || a === null || !isNumber(a.correct) || !isWire(a.lossSum))) return `a round ${round} report whose averageModel is not two numbers`;
  if (m.renormalised !== undefined && !isNumber(m.renormalised)) return `a round ${round} report whose renormalised is not a number`;
  if (m.live !== undefined && !(numbers(m.live) && (m.live as number[]).every((k) => Number.isInteger(k) && k >= 0 && k < o.processes))) return `a round ${round} report whose live is not a list of processes`;
  return undefined;
}
