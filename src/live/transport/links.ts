// What every transport keeps the same way: per-link counters, the frame handler (frames that
// arrive before it is set wait for it), and the once-per-loss disconnect notice.
import { TransportError } from './errors.js';
import { decodeFrame, readHello } from './frame.js';
import { PrefixedReader, type LengthPrefix } from './prefixed-reader.js';
import type { Frame, LinkStats, Transport } from './types.js';
import { FRAME_HEADER_BYTES } from './types.js';

export class Links {
  private frameHandler?: (from: number, frame: Frame) => void;
  private waiting: [number, Frame][] = [];
  private readonly disconnectHandlers: ((process: number) => void)[] = [];
  private readonly counters = new Map<number, LinkStats>();
  private readonly lost = new Set<number>();
  /** set by close(): nothing is reported after it */
  closed = false;

  constructor(readonly self: number) {}

  private link(process: number): LinkStats {
    let s = this.counters.get(process);
    if (!s) {
      s = { process, bytesSent: 0, bytesReceived: 0, framesSent: 0, framesReceived: 0 };
      this.counters.set(process, s);
    }
    return s;
  }

  /** Counts a frame sent (header and payload; a transport's own length prefix is not counted). */
  sent(process: number, frame: Frame): void {
    const s = this.link(process);
    s.bytesSent += FRAME_HEADER_BYTES + frame.payload.byteLength;
    s.framesSent++;
  }

  /** Counts a frame received and hands it to the handler (or keeps it until there is one). */
  received(process: number, frame: Frame): void {
    if (this.closed) return;
    const s = this.link(process);
    s.bytesReceived += FRAME_HEADER_BYTES + frame.payload.byteLength;
    s.framesReceived++;
    if (this.frameHandler) this.deliver(this.frameHandler, process, frame);
    else this.waiting.push([process, frame]);
  }

  private deliver(handler: (from: number, frame: Frame) => void, process: number, frame: Frame): void {
    try {
      handler(process, frame);
    } catch (err) {
      // A throwing handler is the caller's bug: let it surface as an uncaught error rather than
      // pass for a broken link.
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  onFrame(handler: (from: number, frame: Frame) => void): void {
    this.frameHandler = handler;
    const waiting = this.waiting;
    this.waiting = [];
    for (const [p, f] of waiting) this.deliver(handler, p, f);
  }

  onDisconnect(handler: (process: number) => void): void {
    this.disconnectHandlers.push(handler);
  }

  isLost(process: number): boolean {
    return this.lost.has(process);
  }

  /** Reports a lost process, once per loss (and never after close()). */
  lose(process: number): void {
    if (this.closed || process === this.self || this.lost.has(process)) return;
    this.lost.add(process);
    for (const h of this.disconnectHandlers) h(process);
  }

  /** A lost process is reachable again (re-dialled by connect()). */
  regain(process: number): void {
    this.lost.delete(process);
  }

  stats(): LinkStats[] {
    return [...this.counters.values()].sort((a, b) => a.process - b.process).map((s) => ({ ...s }));
  }
}

/** One inbound byte stream: length-prefixed frames, the first a hello naming the sending process. */
export class InboundFrames {
  /** the sending process, once its hello came */
  from?: number;
  private readonly reader: PrefixedReader;

  constructor(
    private readonly links: Links,
    maxBytes: number,
    prefix: LengthPrefix,
    private readonly onHello: (from: number) => void = () => {},
  ) {
    this.reader = new PrefixedReader(maxBytes, prefix);
  }

  /** Feeds received bytes; throws a TransportError when the remote breaks the protocol. */
  push(chunk: Uint8Array): void {
    this.reader.push(chunk, this.message);
  }

  private readonly message = (bytes: Uint8Array): void => {
    const frame = decodeFrame(bytes);
    if (this.from !== undefined) {
      this.links.received(this.from, frame);
      return;
    }
    const from = readHello(frame);
    if (from === undefined) throw new TransportError('the stream did not open with a hello');
    this.onHello(from); // may refuse it
    this.from = from;
  };
}

/**
 * How long a connection has to prove itself (the run secret, its key, its hello) before it is
 * dropped: an idle connection holds nothing for long.
 */
export const HANDSHAKE_TIMEOUT_MS = 5000;

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for `promise` (its failure ignored) but no longer than `ms`. */
export async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Retries `attempt` with exponential backoff (100 ms doubling to 2 s) until it succeeds or `deadline` (epoch ms) passes. */
export async function withRetry<T>(attempt: () => Promise<T>, deadline: number, isClosed: () => boolean): Promise<T> {
  let delay = 100;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (isClosed() || Date.now() + delay > deadline) throw err;
      await sleep(delay);
      delay = Math.min(2000, delay * 2);
    }
  }
}

/** What the transports share around their own start, connect, send and shutdown: handlers, stats, an idempotent close. */
export abstract class LinkedTransport implements Transport {
  protected readonly links: Links;
  private closing?: Promise<void>;

  constructor(
    readonly self: number,
    /** "libp2p transport", "tcp transport"...: how its errors begin */
    protected readonly label: string,
  ) {
    this.links = new Links(self);
  }

  abstract start(): Promise<string[]>;
  abstract connect(addresses: readonly (readonly string[])[]): Promise<void>;
  abstract send(to: number, frame: Frame): Promise<void>;
  /** Stops the transport; called once, by the first close(). */
  protected abstract shutdown(): Promise<void>;

  protected get isClosing(): boolean {
    return this.closing !== undefined;
  }

  /** The rejection of a send to a process without a link. */
  protected noLink(to: number): Promise<never> {
    const why = this.links.isLost(to) ? 'was lost' : 'is not connected (call connect() first)';
    return Promise.reject(new TransportError(`${this.label} ${this.self}: process ${to} ${why}`, { process: to }));
  }

  onFrame(handler: (from: number, frame: Frame) => void): void {
    this.links.onFrame(handler);
  }

  onDisconnect(handler: (process: number) => void): void {
    this.links.onDisconnect(handler);
  }

  private readonly errorHandlers: ((error: Error) => void)[] = [];

  onError(handler: (error: Error) => void): void {
    this.errorHandlers.push(handler);
  }

  /** Reports a protocol violation by a remote process, loudly when nobody listens. */
  protected fail(error: Error): void {
    if (this.isClosing) return;
    if (this.errorHandlers.length === 0) process.stderr.write(`plexus: ${error.message}\n`);
    for (const h of this.errorHandlers) h(error);
  }

  private readonly reported = new Set<string>();
  /** connections and streams refused so far (strangers, impostors, no secret, no hello) */
  dropped = 0;

  /**
   * Reports a connection refused before any of its frames was taken: counted every time, written
   * to stderr once per `key` (a stranger retrying must not flood the log).
   */
  protected report(key: string, message: string): void {
    if (this.isClosing) return;
    this.dropped++;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    process.stderr.write(`plexus: ${this.label} ${this.self}: ${message}\n`);
  }

  stats(): LinkStats[] {
    return this.links.stats();
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.links.closed = true;
      this.closing = this.shutdown();
    }
    return this.closing;
  }
}
