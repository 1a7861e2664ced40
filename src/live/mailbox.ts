// Frames that arrived before anyone asked for them. Processes run ahead of each other by a round
// or so, and frames from one process arrive in order, so each (sender, key) is a FIFO queue that a
// round's code takes from when it gets there. A failure (a stop, a lost process) rejects every wait.
import { FRAME_KINDS, type Frame, type Transport } from './transport/types.js';
import { PlexusError } from '../errors.js';
import { controlFrame, parseControl, type ControlMessage } from './messages.js';
import { controlIssue, ProtocolViolation } from './frame-checks.js';

/** What a frame is waited for by: its kind and round, and a control message's type. */
export function keyOf(kind: number, round: number, type?: string): string {
  return type === undefined ? `${kind}/${round}` : `${kind}/${round}/${type}`;
}

interface Waiter {
  resolve(f: Frame): void;
  reject(e: unknown): void;
}

/** A wait for a process that is lost (its connection closed, or it sent nothing within the timeout). */
export class ProcessLost extends PlexusError {
  constructor(readonly process: number, readonly why: 'disconnected' | 'timeout', message: string) {
    super(message);
  }
}

/** A wait given up because the round's consensus chain was abandoned (a process was lost during it). */
export class ChainAbandoned extends PlexusError {}

/** What a mailbox lets in: a frame refused here is a ProtocolViolation of its sender, never queued. */
export interface MailboxGuard {
  /** the run's processes (the observer is member `processes`): control messages are checked against who may send them */
  processes: number;
  /** why a data frame (not control) from `from` is refused, or undefined */
  frame?: (from: number, frame: Frame) => string | undefined;
  /** the most payload bytes held for one sender before they are taken (the rounds that can legitimately be ahead) */
  maxQueuedBytes?: (from: number) => number;
  /** each sender sends each key at most once (the observer's reports and evaluations) */
  uniqueKeys?: boolean;
}

/** How long a wait may last, by sender and key (undefined: no limit). */
export type WaitLimit = (from: number, key: string) => number | undefined;

export class Mailbox {
  private readonly queues = new Map<string, Frame[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  private failure?: unknown;
  /** control messages handled on arrival (pings), never queued */
  private readonly immediate = new Map<string, (from: number, m: ControlMessage, f: Frame) => void>();
  /** processes whose waits reject at once (lost), and keys no frame is taken under any more (abandoned) */
  private readonly lost = new Set<number>();
  private readonly cancelled = new Map<string, unknown>();
  /**
   * the time limit of a wait; when it runs out, `probe` may say the process is alive (it answers,
   * only waiting in turn for another), and the wait goes on for another limit; else `onTimeout` hears
   */
  limit?: WaitLimit;
  probe?: (from: number) => Promise<boolean>;
  onTimeout?: (from: number, key: string) => void;

  /** payload bytes queued per sender, and (uniqueKeys) the keys each sender has used */
  private readonly queuedBytes = new Map<number, number>();
  private readonly used = new Set<string>();

  constructor(readonly transport: Transport, private readonly guard?: MailboxGuard) {
    transport.onFrame((from, frame) => this.deliver(from, frame));
  }

  /** A member broke the protocol: the run stops with an error naming it; what it queued is dropped. */
  private violation(from: number, what: string): void {
    this.dropQueued(from);
    this.fail(new ProtocolViolation(from, what));
  }

  private dropQueued(p: number): void {
    for (const k of [...this.queues.keys()]) if (k.startsWith(`${p}:`)) this.queues.delete(k);
    this.queuedBytes.delete(p);
  }

  /** Handles every control message of `type` as it arrives (it is not queued). */
  onControl(type: ControlMessage['type'], handler: (from: number, m: ControlMessage, f: Frame) => void): void {
    this.immediate.set(type, handler);
  }

  private deliver(from: number, frame: Frame): void {
    let type: string | undefined;
    const guard = this.guard;
    if (frame.kind === FRAME_KINDS.control) {
      let m: ControlMessage;
      try {
        m = parseControl(frame);
      } catch (e) {
        this.violation(from, `a control frame that is not JSON (${(e as Error).message})`);
        return;
      }
      const issue = guard && controlIssue(from, this.transport.self, guard.processes, m);
      if (issue) {
        this.violation(from, issue);
        return;
      }
      const handler = this.immediate.get(m.type);
      if (handler) {
        handler(from, m, frame);
        return;
      }
      type = m.type;
    } else {
      // a lost process's late frames are not waited for any more: dropped, not queued
      if (this.lost.has(from)) return;
      const issue = guard?.frame?.(from, frame);
      if (issue) {
        this.violation(from, issue);
        return;
      }
    }
    if (this.failure !== undefined) return; // nobody takes anything any more
    const plain = keyOf(frame.kind, frame.round, type);
    if (this.cancelled.has(plain)) return;
    const key = `${from}:${plain}`;
    if (guard?.uniqueKeys) {
      if (this.used.has(key)) {
        this.violation(from, `a second frame for ${describeKey(plain)}`);
        return;
      }
      this.used.add(key);
    }
    const w = this.waiters.get(key);
    if (w && w.length > 0) {
      const first = w.shift()!;
      if (w.length === 0) this.waiters.delete(key); // one key per round: keep the map small over a long run
      first.resolve(frame);
      return;
    }
    const bytes = (this.queuedBytes.get(from) ?? 0) + frame.payload.byteLength;
    const max = guard?.maxQueuedBytes?.(from);
    if (max !== undefined && bytes > max) {
      this.violation(from, `${(bytes / 2 ** 20).toFixed(1)} MiB of frames not yet due (up to ${describeKey(plain)}), more than the ${(max / 2 ** 20).toFixed(1)} MiB the rounds that can be ahead hold`);
      return;
    }
    this.queuedBytes.set(from, bytes);
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = []));
    q.push(frame);
  }

  private unqueued(from: number, f: Frame): void {
    const left = (this.queuedBytes.get(from) ?? 0) - f.payload.byteLength;
    if (left > 0) this.queuedBytes.set(from, left);
    else this.queuedBytes.delete(from);
  }

  /** The next frame from `from` under `key` (keyOf), waiting for it if needed. */
  take(from: number, key: string): Promise<Frame> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.cancelled.has(key)) return Promise.reject(this.cancelled.get(key));
    const k = `${from}:${key}`;
    const q = this.queues.get(k);
    if (q && q.length > 0) {
      const f = q.shift()!;
      if (q.length === 0) this.queues.delete(k);
      this.unqueued(from, f);
      return Promise.resolve(f);
    }
    if (this.lost.has(from)) return Promise.reject(new ProcessLost(from, 'disconnected', `live: process ${from} is lost`));
    return new Promise((resolve, reject) => {
      let w = this.waiters.get(k);
      if (!w) this.waiters.set(k, (w = []));
      const ms = this.limit?.(from, key);
      if (ms === undefined) {
        w.push({ resolve, reject });
        return;
      }
      const waiting = () => this.waiters.get(k)?.includes(waiter) ?? false;
      const expire = async () => {
        if (!waiting()) return;
        if (this.probe && (await this.probe(from))) {
          if (waiting()) timer = setTimeout(() => void expire(), ms);
          return;
        }
        const list = this.waiters.get(k);
        const at = list?.indexOf(waiter) ?? -1;
        if (at < 0) return;
        list!.splice(at, 1);
        if (list!.length === 0) this.waiters.delete(k);
        reject(new ProcessLost(from, 'timeout', `live: process ${from} sent nothing for ${key} within ${Math.round(ms)} ms and did not answer a ping`));
        this.onTimeout?.(from, key);
      };
      let timer = setTimeout(() => void expire(), ms);
      const waiter: Waiter = {
        resolve: (f) => (clearTimeout(timer), resolve(f)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      w.push(waiter);
    });
  }

  /** Process `p` is lost: its waits reject now and later (frames it sent before are still taken). */
  lose(p: number): void {
    if (this.lost.has(p)) return;
    this.lost.add(p);
    const e = new ProcessLost(p, 'disconnected', `live: process ${p} is lost`);
    for (const [k, list] of this.waiters) {
      if (!k.startsWith(`${p}:`)) continue;
      this.waiters.delete(k);
      for (const w of list) w.reject(e);
    }
  }

  /** Process `p` is back (it rejoined): waits for it wait again; the frames it sent before it was lost are dropped. */
  regain(p: number): void {
    this.lost.delete(p);
    this.dropQueued(p);
    for (const k of [...this.used]) if (k.startsWith(`${p}:`)) this.used.delete(k);
  }

  isLost(p: number): boolean {
    return this.lost.has(p);
  }

  /** Told when a send to `p` failed while `p` was not known lost: its link broke (the roster goes on without it). */
  onBroken?: (p: number) => void;

  /**
   * Whether a failed send to `p` is `p`'s loss: it was lost already, or its link broke just now
   * (the send's rejection can come before the transport's notice of the closed connection).
   */
  lostBySend(p: number): boolean {
    if (!this.lost.has(p) && this.failure === undefined) this.onBroken?.(p);
    return this.lost.has(p);
  }

  /** No frame is taken under `key` (keyOf) any more, from anyone: its waits reject with `e`, its frames are dropped. */
  cancel(key: string, e: unknown): void {
    if (this.cancelled.has(key)) return;
    this.cancelled.set(key, e);
    for (const [k, list] of this.waiters) {
      if (!k.endsWith(`:${key}`)) continue;
      this.waiters.delete(k);
      for (const w of list) w.reject(e);
    }
    for (const [k, q] of [...this.queues]) {
      if (!k.endsWith(`:${key}`)) continue;
      this.queues.delete(k);
      for (const f of q) this.unqueued(Number(k.slice(0, k.indexOf(':'))), f);
    }
  }

  /** The next control message of `type` for `round` from `from`. */
  async control<T extends ControlMessage['type']>(from: number, round: number, type: T): Promise<Extract<ControlMessage, { type: T }>> {
    return parseControl(await this.take(from, keyOf(FRAME_KINDS.control, round, type))) as Extract<ControlMessage, { type: T }>;
  }

  send(to: number, round: number, m: ControlMessage): Promise<void> {
    return this.transport.send(to, controlFrame(round, m));
  }

  /** Rejects every wait, now and later, with `e` (the first failure wins); nothing is queued any more. */
  fail(e: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    this.queues.clear();
    this.queuedBytes.clear();
    for (const list of this.waiters.values()) for (const w of list) w.reject(e);
    this.waiters.clear();
  }

  get failed(): unknown {
    return this.failure;
  }
}

const KIND_NAMES = new Map<number, string>(Object.entries(FRAME_KINDS).map(([name, kind]) => [kind, name]));

/** A key (keyOf) as words: "rows of round 3", "the 'round' message of round 3". */
function describeKey(key: string): string {
  const [kind, round, type] = key.split('/');
  return type === undefined ? `${KIND_NAMES.get(Number(kind)) ?? `kind ${kind}`} of round ${round}` : `the '${type}' message of round ${round}`;
}
