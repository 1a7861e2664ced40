// The live transport on js-libp2p: TCP, Noise, Yamux, and one long-lived outbound stream of the
// /plexus/exchange/1 protocol per remote process carrying length-prefixed frames. Never pubsub.
import './polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { Connection, MultiaddrConnection, PrivateKey, Stream } from '@libp2p/interface';
import { plaintext } from '@libp2p/plaintext';
import { preSharedKey } from '@libp2p/pnet';
import { tcp } from '@libp2p/tcp';
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { TransportError } from './errors.js';
import { controlFrame, DEFAULT_MAX_FRAME_BYTES, encodeFrame } from './frame.js';
import { HANDSHAKE_TIMEOUT_MS, InboundFrames, LinkedTransport, within, withRetry } from './links.js';
import { memberGater, Members, peerIdOfAddress } from './members.js';
import { secretHandshake } from './secret-handshake.js';
import type { Frame, Transport } from './types.js';

export const EXCHANGE_PROTOCOL = '/plexus/exchange/1';

export interface Libp2pTransportOptions {
  /** this process's index */
  self: number;
  /** the multiaddr to listen on (default /ip4/127.0.0.1/tcp/0: loopback, any free port) */
  listen?: string;
  /** the node's identity (default: a fresh Ed25519 key) */
  privateKey?: PrivateKey;
  /** how long connect() keeps dialling a process that is not up yet (default 30 s) */
  connectTimeoutMs?: number;
  /** the largest frame accepted (default 64 MiB); the read buffer holds three of them */
  maxFrameBytes?: number;
  /**
   * Yamux stream windows, for the throughput benchmark (default 256 KiB growing to 16 MiB). Yamux 8
   * cuts a stream's data into messages as large as the window the remote granted (its
   * maxMessageSize option is unused), and Noise then into 64 KiB ciphertexts.
   */
  yamux?: { initialStreamWindowSize?: number; maxStreamWindowSize?: number };
  /**
   * 'noise' (default) encrypts every connection. 'plaintext' does not, and authenticates nobody:
   * only for measuring what Noise costs (bench:live) or a trusted loopback run.
   */
  encryption?: 'noise' | 'plaintext';
  /**
   * The run secret (src/live/secret.ts): its 32 bytes and its swarm-key text. A connection that
   * does not prove it holds the same secret is dropped before any of its bytes is read as a frame.
   */
  secret?: { key: Uint8Array; psk: Uint8Array };
  /**
   * How the secret guards a connection: 'handshake' (default) checks the secret with an HMAC
   * exchange on the raw connection (secret-handshake.ts), before Noise, and leaves the data to
   * Noise; 'pnet' is libp2p's private network (pre-shared key), which encrypts every byte again
   * with XSalsa20 under Noise. pnet is not the default: its xsalsa20 package's WebAssembly memory
   * cannot grow past what one W1 row block needs (the process dies with "Maximum memory size
   * exceeded" at W1 scale), and it roughly halves a live round's pace where it does run.
   */
  secretLayer?: 'pnet' | 'handshake';
}

interface Outbound {
  stream: Stream;
  lp: LengthPrefixedStream<Stream>;
  process: number;
  /** the last write queued: writes to one process run one after the other, in send order */
  tail: Promise<void>;
}

class Libp2pTransport extends LinkedTransport {
  private node?: Libp2p;
  private readonly outbound = new Map<number, Outbound>();
  /** the PeerIds bound to the run's indices: nobody else gets a connection */
  private readonly members: Members;
  /** inbound connections that got past the secret and Noise (the others are reported when they close) */
  private readonly authenticated = new WeakSet<MultiaddrConnection>();

  constructor(private readonly opts: Libp2pTransportOptions) {
    super(opts.self, 'libp2p transport');
    this.members = new Members(opts.self, () => this.node!.peerId.toString(), this.label);
  }

  admit(members: readonly (readonly string[])[]): void {
    this.members.admit(members);
  }

  private protector(secret: { key: Uint8Array; psk: Uint8Array }) {
    return this.opts.secretLayer === 'pnet' ? preSharedKey({ psk: secret.psk, timeout: HANDSHAKE_TIMEOUT_MS }) : secretHandshake(secret.key, HANDSHAKE_TIMEOUT_MS);
  }

  /** An inbound connection: reported if it closes before proving the run secret and a key. */
  private watchInbound(maConn: MultiaddrConnection): void {
    maConn.addEventListener('close', () => {
      if (this.authenticated.has(maConn) || this.isClosing) return;
      this.report(`handshake ${maConn.remoteAddr}`, `dropped a connection from ${maConn.remoteAddr} before any frame: it did not complete the handshake${this.opts.secret ? ' (no run secret, or another run\'s)' : ''}`);
    });
  }

  private get maxFrame(): number {
    return this.opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  private lp(stream: Stream): LengthPrefixedStream<Stream> {
    return lpStream(stream, { maxDataLength: this.maxFrame, maxBufferSize: 3 * this.maxFrame });
  }

  async start(): Promise<string[]> {
    if (this.node) throw new TransportError(`libp2p transport ${this.self}: start() was already called`);
    if (this.isClosing) throw new TransportError(`libp2p transport ${this.self}: closed, make a new one`);
    const y = this.opts.yamux ?? {};
    const node = await createLibp2p({
      ...(this.opts.privateKey ? { privateKey: this.opts.privateKey } : {}),
      addresses: { listen: [this.opts.listen ?? '/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [this.opts.encryption === 'plaintext' ? plaintext() : noise()],
      ...(this.opts.secret ? { connectionProtector: this.protector(this.opts.secret) } : {}),
      connectionGater: memberGater(
        this.members,
        (key, message) => this.report(key, message),
        (maConn) => this.watchInbound(maConn),
        (maConn) => this.authenticated.add(maConn),
      ),
      // a connection that has not finished its handshake within this long is dropped
      connectionManager: { inboundUpgradeTimeout: HANDSHAKE_TIMEOUT_MS },
      streamMuxers: [
        yamux({
          streamOptions: {
            ...(y.initialStreamWindowSize ? { initialStreamWindowSize: y.initialStreamWindowSize } : {}),
            ...(y.maxStreamWindowSize ? { maxStreamWindowSize: y.maxStreamWindowSize } : {}),
            maxReadBufferLength: 3 * this.maxFrame,
          },
        }),
      ],
      // The learning's own barriers and timeouts decide when a process is gone: libp2p's pings
      // would abort a connection whose process is busy training for a while.
      connectionMonitor: { enabled: false },
    });
    this.node = node;
    await node.handle(EXCHANGE_PROTOCOL, (stream, connection) => this.accept(stream, connection), {
      maxInboundStreams: 1024,
      maxOutboundStreams: 1024,
    });
    node.addEventListener('peer:disconnect', (evt) => {
      const p = this.members.indexOf(evt.detail.toString());
      if (p !== undefined) this.lost(p);
    });
    const peer = node.peerId.toString();
    return node.getMultiaddrs().map((ma) => {
      const s = ma.toString();
      return s.includes('/p2p/') ? s : `${s}/p2p/${peer}`;
    });
  }

  private lost(process: number): void {
    const out = this.outbound.get(process);
    if (out) {
      this.outbound.delete(process);
      if (out.stream.status === 'open') out.stream.abort(new TransportError(`libp2p transport ${this.self}: process ${process} lost`, { process }));
    }
    this.links.lose(process);
  }

  /**
   * An inbound stream: its first frame says which process it comes from, then frames follow. Read
   * straight off its 'message' events (lpStream's framing, varint prefixes) so a long frame is
   * assembled as it arrives rather than joined from its chunks at the end.
   */
  private accept(stream: Stream, connection: Connection): void {
    if (this.isClosing) {
      stream.abort(new TransportError(`libp2p transport ${this.self}: closed`));
      return;
    }
    const peer = connection.remotePeer.toString();
    // the gater let only members connect; the index a stream speaks for is its key's, and no other
    const bound = this.members.indexOf(peer);
    if (bound === undefined) {
      stream.abort(new TransportError(`libp2p transport ${this.self}: peer ${peer} is not a member`));
      return;
    }
    const helloTimer = setTimeout(() => {
      this.report(`slow hello ${peer}`, `dropped a stream from peer ${peer} (process ${bound}): no hello within ${HANDSHAKE_TIMEOUT_MS} ms`);
      stream.abort(new TransportError(`libp2p transport ${this.self}: no hello`));
    }, HANDSHAKE_TIMEOUT_MS);
    helloTimer.unref();
    const inbound = new InboundFrames(this.links, this.maxFrame, 'varint', (from) => {
      clearTimeout(helloTimer);
      if (from !== bound) throw new ImpostorError(`peer ${peer} is process ${bound}'s key but said hello as process ${from}`);
    });
    stream.addEventListener('message', (evt) => {
      try {
        if (evt.data instanceof Uint8Array) inbound.push(evt.data);
        else for (const chunk of evt.data) inbound.push(chunk);
      } catch (err) {
        clearTimeout(helloTimer);
        if (err instanceof ImpostorError || inbound.from === undefined) {
          // nothing from this stream was taken: refuse it, say so once, and carry on
          this.report(`stream ${peer}`, `dropped a stream from peer ${peer} before any frame: ${(err as Error).message}`);
          inbound.from = undefined;
        } else {
          this.fail(new TransportError(`libp2p transport ${this.self}: dropped the stream from process ${inbound.from}: ${(err as Error).message}`, { process: inbound.from, cause: err }));
        }
        stream.abort(err as Error);
        // the process named by the hello broke the protocol: its link is dropped (onDisconnect follows)
        if (inbound.from !== undefined) this.lost(inbound.from);
      }
    });
    // An inbound stream closing says nothing of the process it named: a second connection saying
    // hello as a live process, then closing, must not make it lost. The outbound stream, dialled to
    // the process's own address, is the link whose close means the process is gone.
    const gone = (): void => clearTimeout(helloTimer);
    stream.addEventListener('remoteCloseWrite', gone);
    stream.addEventListener('close', gone);
  }

  async connect(addresses: readonly (readonly string[])[]): Promise<void> {
    const node = this.node;
    if (!node) throw new TransportError(`libp2p transport ${this.self}: call start() before connect()`);
    const deadline = Date.now() + (this.opts.connectTimeoutMs ?? 30_000);
    // a complete list is the member list when none was admitted before (admit() comes first otherwise)
    if (!this.members.isKnown) {
      if (addresses.some((a) => a.length === 0)) throw new TransportError(`libp2p transport ${this.self}: call admit() with every member's addresses before connect()`);
      this.admit(addresses);
    }
    await Promise.all(
      addresses.map(async (addrs, p) => {
        if (p === this.self || addrs.length === 0 || this.outbound.has(p)) return;
        const id = this.members.idOf(p);
        const named = addrs.map((a) => peerIdOfAddress(a)).find((x) => x !== undefined && x !== id);
        if (named !== undefined) throw new TransportError(`libp2p transport ${this.self}: process ${p} is peer ${id}, not ${named}`, { process: p });
        // Noise checks the remote proves the key of the /p2p/ id dialled
        const mas = addrs.map((a) => multiaddr(peerIdOfAddress(a) ? a : `${a}/p2p/${id}`));
        let stream: Stream;
        try {
          stream = await withRetry(() => node.dialProtocol(mas, EXCHANGE_PROTOCOL), deadline, () => this.isClosing);
        } catch (cause) {
          throw new TransportError(
            `libp2p transport ${this.self}: could not reach process ${p} at ${addrs.join(', ')} within ${this.opts.connectTimeoutMs ?? 30_000} ms; is it running and listening there?`,
            { process: p, cause },
          );
        }
        const out: Outbound = { process: p, stream, lp: this.lp(stream), tail: Promise.resolve() };
        this.outbound.set(p, out);
        this.links.regain(p);
        stream.addEventListener('close', () => {
          if (this.outbound.get(p) === out) this.lost(p);
        });
        await this.write(out, encodeFrame(controlFrame({ hello: this.self })));
      }),
    );
  }

  private write(out: Outbound, bytes: Uint8Array): Promise<void> {
    // lp.write hands the bytes to the stream and waits for 'drain' when its buffer is full, so a
    // fast sender waits for the network instead of buffering without bound.
    out.tail = out.tail.then(() => out.lp.write(bytes)).catch((e: unknown) => {
      // a stream closed while a write waits for 'drain' rejects with the close Event, not an Error
      throw e instanceof Error ? e : new TransportError(`libp2p transport ${this.self}: the stream to process ${out.process} closed while sending (${describeRejection(e)})`, { process: out.process, cause: e });
    });
    return out.tail;
  }

  send(to: number, frame: Frame): Promise<void> {
    const out = this.outbound.get(to);
    if (!out) {
      return this.noLink(to);
    }
    const bytes = encodeFrame(frame);
    this.links.sent(to, frame);
    return this.write(out, bytes);
  }

  protected async shutdown(): Promise<void> {
    const outs = [...this.outbound.values()];
    this.outbound.clear();
    // Let queued frames go out (for a moment: a remote that stopped reading must not hold us), then
    // stop the node, which closes every connection.
    await Promise.all(
      outs.map(async (out) => {
        try {
          await within(out.tail, 2000);
          await out.stream.close({ signal: AbortSignal.timeout(2000) });
        } catch {
          out.stream.abort(new TransportError(`libp2p transport ${this.self}: closed`));
        }
      }),
    );
    await this.node?.stop();
  }
}

/** A hello naming another index than the one its connection's key is bound to. */
class ImpostorError extends TransportError {}

/** What a rejection that is not an Error was: an Event's type (and its error's message), or its text. */
function describeRejection(e: unknown): string {
  if (e instanceof Event) {
    const error = (e as Event & { error?: unknown }).error;
    return `a '${e.type}' event${error instanceof Error ? `: ${error.message}` : ''}`;
  }
  return String(e);
}

/** A libp2p transport for process `self`; call start(), then connect() with every process's addresses. */
export function createLibp2pTransport(opts: Libp2pTransportOptions): Transport {
  return new Libp2pTransport(opts);
}
