// An in-process transport for the live engine's tests: a hub joins N transports; frames are copied
// and delivered asynchronously (setImmediate), in order per link, as a socket would.
import { TransportError } from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES, frameByteLength } from './frame.js';
import { LinkedTransport, withRetry } from './links.js';
import type { Frame, Transport } from './types.js';

export interface MemoryHub {
  /** The transport of process `self` on this hub (one per index). */
  transport(self: number, opts?: { connectTimeoutMs?: number; maxFrameBytes?: number }): Transport;
}

class MemoryTransport extends LinkedTransport {
  started = false;
  /** processes this one sends to (connected) or has received from: told when it closes */
  readonly peers = new Set<number>();
  private readonly outbound = new Set<number>();

  constructor(
    self: number,
    private readonly hub: Map<number, MemoryTransport>,
    private readonly connectTimeoutMs: number,
    private readonly maxFrameBytes: number,
  ) {
    super(self, 'memory transport');
  }

  get closed(): boolean {
    return this.isClosing;
  }

  async start(): Promise<string[]> {
    if (this.started) throw new TransportError(`memory transport ${this.self}: start() was already called`);
    if (this.isClosing) throw new TransportError(`memory transport ${this.self}: closed, make a new one`);
    this.started = true;
    return [`memory:${this.self}`];
  }

  private reachable(p: number): MemoryTransport | undefined {
    const t = this.hub.get(p);
    return t && t.started && !t.closed ? t : undefined;
  }

  async connect(addresses: readonly (readonly string[])[]): Promise<void> {
    if (!this.started) throw new TransportError(`memory transport ${this.self}: call start() before connect()`);
    const deadline = Date.now() + this.connectTimeoutMs;
    await Promise.all(
      addresses.map(async (addrs, p) => {
        if (p === this.self || addrs.length === 0 || this.outbound.has(p)) return;
        const m = /^memory:(\d+)$/.exec(addrs[0]);
        if (!m || Number(m[1]) !== p) throw new TransportError(`memory transport ${this.self}: process ${p}'s address should be "memory:${p}", got "${addrs[0]}"`);
        try {
          await withRetry(
            async () => {
              if (!this.reachable(p)) throw new Error('not started');
            },
            deadline,
            () => this.isClosing,
          );
        } catch (cause) {
          throw new TransportError(`memory transport ${this.self}: process ${p} did not start within ${this.connectTimeoutMs} ms`, { process: p, cause });
        }
        this.outbound.add(p);
        this.peers.add(p);
        this.links.regain(p);
      }),
    );
  }

  send(to: number, frame: Frame): Promise<void> {
    if (!this.outbound.has(to)) {
      return this.noLink(to);
    }
    const copy: Frame = { ...frame, payload: new Uint8Array(frame.payload) };
    this.links.sent(to, frame);
    return new Promise((resolve) =>
      setImmediate(() => {
        const target = this.reachable(to);
        target?.take(this.self, copy);
        resolve();
      }),
    );
  }

  /** Process `p` closed: stop sending to it and say so. */
  lose(p: number): void {
    this.outbound.delete(p);
    this.links.lose(p);
  }

  /** Received a frame from `from` (called by the sender's transport). */
  take(from: number, frame: Frame): void {
    this.peers.add(from);
    const n = frameByteLength(frame);
    if (n > this.maxFrameBytes) {
      this.fail(new TransportError(`memory transport ${this.self}: dropped the link from process ${from}: a ${n}-byte frame exceeds the ${this.maxFrameBytes}-byte limit`, { process: from }));
      this.lose(from);
      return;
    }
    this.links.received(from, frame);
  }

  protected shutdown(): Promise<void> {
    return new Promise((resolve) => {
      // after the frames already in flight, as a socket's close follows its data
      setImmediate(() => {
        for (const [p, t] of this.hub) if (p !== this.self && !t.closed && (this.peers.has(p) || t.peers.has(this.self))) t.lose(this.self);
        this.hub.delete(this.self);
        resolve();
      });
    });
  }
}

/** A hub of in-process transports (one per process index), for tests. */
export function createMemoryHub(): MemoryHub {
  const hub = new Map<number, MemoryTransport>();
  return {
    transport(self, opts = {}) {
      if (hub.has(self)) throw new TransportError(`memory hub: process ${self} already has a transport`);
      const t = new MemoryTransport(self, hub, opts.connectTimeoutMs ?? 30_000, opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
      hub.set(self, t);
      return t;
    },
  };
}
