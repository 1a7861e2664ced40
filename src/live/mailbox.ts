// Frames that arrived before anyone asked for them. Processes run ahead of each other by a round
// or so, and frames from one process arrive in order, so each (sender, key) is a FIFO queue that a
// round's code takes from when it gets there. A failure (a stop, a lost process) rejects every wait.
import { FRAME_KINDS, type Frame, type Transport } from './transport/types.js';
import { controlFrame, parseControl, type ControlMessage } from './messages.js';

/** What a frame is waited for by: its kind and round, and a control message's type. */
export function keyOf(kind: number, round: number, type?: string): string {
  return type === undefined ? `${kind}/${round}` : `${kind}/${round}/${type}`;
}

interface Waiter {
  resolve(f: Frame): void;
  reject(e: unknown): void;
}

export class Mailbox {
  private readonly queues = new Map<string, Frame[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  private failure?: unknown;
  /** control messages handled on arrival (pings), never queued */
  private readonly immediate = new Map<string, (from: number, m: ControlMessage, f: Frame) => void>();

  constructor(readonly transport: Transport) {
    transport.onFrame((from, frame) => this.deliver(from, frame));
  }

  /** Handles every control message of `type` as it arrives (it is not queued). */
  onControl(type: ControlMessage['type'], handler: (from: number, m: ControlMessage, f: Frame) => void): void {
    this.immediate.set(type, handler);
  }

  private deliver(from: number, frame: Frame): void {
    let type: string | undefined;
    if (frame.kind === FRAME_KINDS.control) {
      let m: ControlMessage;
      try {
        m = parseControl(frame);
      } catch (e) {
        this.fail(new Error(`live: process ${from} sent a control frame that is not JSON: ${(e as Error).message}`));
        return;
      }
      const handler = this.immediate.get(m.type);
      if (handler) {
        handler(from, m, frame);
        return;
      }
      type = m.type;
    }
    const key = `${from}:${keyOf(frame.kind, frame.round, type)}`;
    const w = this.waiters.get(key);
    if (w && w.length > 0) {
      const first = w.shift()!;
      if (w.length === 0) this.waiters.delete(key); // one key per round: keep the map small over a long run
      first.resolve(frame);
      return;
    }
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = []));
    q.push(frame);
  }

  /** The next frame from `from` under `key` (keyOf), waiting for it if needed. */
  take(from: number, key: string): Promise<Frame> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const k = `${from}:${key}`;
    const q = this.queues.get(k);
    if (q && q.length > 0) {
      const f = q.shift()!;
      if (q.length === 0) this.queues.delete(k);
      return Promise.resolve(f);
    }
    return new Promise((resolve, reject) => {
      let w = this.waiters.get(k);
      if (!w) this.waiters.set(k, (w = []));
      w.push({ resolve, reject });
    });
  }

  /** The next control message of `type` for `round` from `from`. */
  async control<T extends ControlMessage['type']>(from: number, round: number, type: T): Promise<Extract<ControlMessage, { type: T }>> {
    return parseControl(await this.take(from, keyOf(FRAME_KINDS.control, round, type))) as Extract<ControlMessage, { type: T }>;
  }

  send(to: number, round: number, m: ControlMessage): Promise<void> {
    return this.transport.send(to, controlFrame(round, m));
  }

  /** Rejects every wait, now and later, with `e` (the first failure wins). */
  fail(e: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    for (const list of this.waiters.values()) for (const w of list) w.reject(e);
    this.waiters.clear();
  }

  get failed(): unknown {
    return this.failure;
  }
}
