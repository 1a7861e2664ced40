// The baseline the issue measures libp2p against: the same frames over plain node:net sockets,
// each prefixed by its length (u32 LE). No encryption, no multiplexing: one socket per direction.
import net from 'node:net';
import { TransportError } from './errors.js';
import { allocBytes, controlFrame, DEFAULT_MAX_FRAME_BYTES, encodeFrameInto, frameByteLength } from './frame.js';
import { HANDSHAKE_TIMEOUT_MS, InboundFrames, LinkedTransport, within, withRetry } from './links.js';
import { ClientHandshake, CLIENT_HELLO_BYTES, CLIENT_PROOF_BYTES, SERVER_ANSWER_BYTES, ServerHandshake } from './tcp-handshake.js';
import type { Frame, Transport } from './types.js';

export interface TcpTransportOptions {
  self: number;
  /** the interface to listen on (default 127.0.0.1) */
  host?: string;
  /** the port (default 0: any free one) */
  port?: number;
  /** how long connect() keeps dialling a process that is not up yet (default 30 s) */
  connectTimeoutMs?: number;
  /** the largest frame accepted (default 64 MiB) */
  maxFrameBytes?: number;
  /**
   * The run secret's 32 bytes: every connection then opens with a handshake in which both ends
   * prove they hold it (tcp-handshake.ts), and one that does not is dropped before any frame is read.
   */
  secret?: Uint8Array;
}

interface Outbound {
  socket: net.Socket;
  tail: Promise<void>;
}

function writeSocket(socket: net.Socket, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed || !socket.writable) {
      reject(new Error('socket closed'));
      return;
    }
    if (socket.write(bytes)) {
      resolve();
      return;
    }
    // Backpressure: wait until the kernel took the buffered bytes.
    const done = (err?: Error): void => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new Error('socket closed'));
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

class TcpTransport extends LinkedTransport {
  private server?: net.Server;
  private readonly outbound = new Map<number, Outbound>();
  private readonly inbound = new Set<net.Socket>();
  /** members of the run, once admitted: an index beyond them is refused in the handshake */
  private memberCount?: number;

  constructor(private readonly opts: TcpTransportOptions) {
    super(opts.self, 'tcp transport');
    if (opts.secret && opts.secret.byteLength < 16) throw new TransportError(`tcp transport ${opts.self}: a ${opts.secret.byteLength}-byte secret is too short`);
  }

  admit(members: readonly (readonly string[])[]): void {
    this.memberCount = members.length;
  }

  async start(): Promise<string[]> {
    if (this.server) throw new TransportError(`tcp transport ${this.self}: start() was already called`);
    if (this.isClosing) throw new TransportError(`tcp transport ${this.self}: closed, make a new one`);
    const host = this.opts.host ?? '127.0.0.1';
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as net.AddressInfo;
    return [`${host.includes(':') ? `[${host}]` : host}:${port}`];
  }

  private lost(process: number): void {
    const out = this.outbound.get(process);
    if (out) {
      this.outbound.delete(process);
      out.socket.destroy();
    }
    this.links.lose(process);
  }

  private accept(socket: net.Socket): void {
    if (this.isClosing) {
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const auth = this.opts.secret ? new ServerHandshake(this.opts.secret, this.self, this.memberCount) : undefined;
    /** bytes of the handshake not yet complete; frames are read only once it is */
    let pending: Buffer | undefined = auth ? Buffer.alloc(0) : undefined;
    let answered = false;
    const refuse = (why: string): void => {
      this.report(`${socket.remoteAddress}: ${why}`, `dropped the connection from ${remote} before any frame: ${why}`);
      socket.destroy();
    };
    const timer = setTimeout(() => inbound.from === undefined && refuse(`no handshake and hello within ${HANDSHAKE_TIMEOUT_MS} ms`), HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    const inbound = new InboundFrames(this.links, this.opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, 'u32', (from) => {
      if (auth && from !== auth.client) throw new TransportError(`it proved index ${auth.client} but said hello as process ${from}`);
      clearTimeout(timer);
    });
    /** Takes the handshake's bytes off the front of `chunk`: the rest (frames), or undefined while it goes on. */
    const handshake = (chunk: Buffer): Buffer | undefined => {
      if (!auth || pending === undefined) return chunk;
      pending = Buffer.concat([pending, chunk]);
      if (!answered) {
        if (pending.byteLength < CLIENT_HELLO_BYTES) return undefined;
        socket.write(auth.answer(pending.subarray(0, CLIENT_HELLO_BYTES)));
        answered = true;
        pending = pending.subarray(CLIENT_HELLO_BYTES);
      }
      if (pending.byteLength < CLIENT_PROOF_BYTES) return undefined;
      if (!auth.verify(pending.subarray(0, CLIENT_PROOF_BYTES))) throw new TransportError('it does not hold the run secret');
      const rest = pending.subarray(CLIENT_PROOF_BYTES);
      pending = undefined;
      return rest;
    };
    socket.on('data', (chunk: Buffer) => {
      if (socket.destroyed) return;
      let frames: Buffer | undefined;
      try {
        frames = handshake(chunk);
      } catch (err) {
        refuse((err as Error).message);
        return;
      }
      if (frames === undefined || frames.byteLength === 0) return;
      try {
        inbound.push(frames);
      } catch (err) {
        if (inbound.from === undefined) refuse((err as Error).message);
        else {
          this.fail(new TransportError(`tcp transport ${this.self}: dropped the connection from process ${inbound.from}: ${(err as Error).message}`, { process: inbound.from, cause: err }));
          socket.destroy();
          // the process named by the hello broke the protocol: its link is dropped (onDisconnect follows)
          this.lost(inbound.from);
        }
      }
    });
    socket.on('error', () => {}); // 'close' follows and reports it
    // an inbound socket closing says nothing of the process its hello named (a second connection
    // may say hello as a live one, then close): the outbound socket, dialled to its address, says it is gone
    socket.on('close', () => {
      clearTimeout(timer);
      this.inbound.delete(socket);
    });
  }

  /** The client's side of the handshake on a socket just dialled to process `to`. */
  private async authenticate(socket: net.Socket, to: number): Promise<void> {
    const secret = this.opts.secret;
    if (!secret) return;
    const hs = new ClientHandshake(secret, this.self, to);
    socket.write(hs.opening());
    const answer = await new Promise<Buffer>((resolve, reject) => {
      let got = Buffer.alloc(0);
      const done = (err?: Error): void => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.pause();
        if (err) reject(err);
        else resolve(got);
      };
      const onData = (chunk: Buffer): void => {
        got = Buffer.concat([got, chunk]);
        if (got.byteLength >= SERVER_ANSWER_BYTES) done();
      };
      const onClose = (): void => done(new TransportError(`tcp transport ${this.self}: process ${to} closed the connection during the handshake (not the same run secret?)`, { process: to }));
      const timer = setTimeout(() => done(new TransportError(`tcp transport ${this.self}: process ${to} did not answer the handshake within ${HANDSHAKE_TIMEOUT_MS} ms`, { process: to })), HANDSHAKE_TIMEOUT_MS);
      socket.on('data', onData);
      socket.on('close', onClose);
    });
    try {
      socket.write(hs.proof(answer));
    } catch (err) {
      socket.destroy();
      throw new TransportError(`tcp transport ${this.self}: ${(err as Error).message}`, { process: to });
    }
  }

  private dial(address: string): Promise<net.Socket> {
    const i = address.lastIndexOf(':');
    const host = address.slice(0, i).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(i + 1));
    if (i < 0 || !Number.isInteger(port)) return Promise.reject(new TransportError(`tcp transport ${this.self}: "${address}" is not host:port`));
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  async connect(addresses: readonly (readonly string[])[]): Promise<void> {
    if (!this.server) throw new TransportError(`tcp transport ${this.self}: call start() before connect()`);
    const timeout = this.opts.connectTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeout;
    await Promise.all(
      addresses.map(async (addrs, p) => {
        if (p === this.self || addrs.length === 0 || this.outbound.has(p)) return;
        let socket: net.Socket;
        try {
          socket = await withRetry(() => this.dial(addrs[0]), deadline, () => this.isClosing);
        } catch (cause) {
          throw new TransportError(`tcp transport ${this.self}: could not reach process ${p} at ${addrs[0]} within ${timeout} ms; is it running and listening there?`, { process: p, cause });
        }
        await this.authenticate(socket, p);
        const out: Outbound = { socket, tail: Promise.resolve() };
        this.outbound.set(p, out);
        this.links.regain(p);
        socket.on('error', () => {});
        socket.on('close', () => {
          if (this.outbound.get(p) === out) this.lost(p);
        });
        // nothing comes back on an outbound socket; reading keeps its 'end' and 'close' flowing
        socket.resume();
        await this.write(out, controlFrame({ hello: this.self }));
      }),
    );
  }

  private write(out: Outbound, frame: Frame): Promise<void> {
    const n = frameByteLength(frame);
    const bytes = allocBytes(4 + n);
    new DataView(bytes.buffer, bytes.byteOffset, 4).setUint32(0, n, true);
    encodeFrameInto(frame, bytes, 4);
    out.tail = out.tail.then(() => writeSocket(out.socket, bytes));
    return out.tail;
  }

  send(to: number, frame: Frame): Promise<void> {
    const out = this.outbound.get(to);
    if (!out) {
      return this.noLink(to);
    }
    const sent = this.write(out, frame);
    this.links.sent(to, frame);
    return sent;
  }

  protected async shutdown(): Promise<void> {
    const outs = [...this.outbound.values()];
    this.outbound.clear();
    await Promise.all(
      outs.map(async (out) => {
        // queued frames go out, for a moment: a remote that stopped reading must not hold us
        await within(out.tail, 2000);
        await new Promise<void>((resolve) => {
          if (out.socket.destroyed) return resolve();
          const timer = setTimeout(() => out.socket.destroy(), 2000);
          out.socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          out.socket.end();
        });
      }),
    );
    for (const s of this.inbound) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A plain-socket transport for process `self`; addresses are host:port. */
export function createTcpTransport(opts: TcpTransportOptions): Transport {
  return new TcpTransport(opts);
}
