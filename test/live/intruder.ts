// A hostile client for the live-mode security tests: a libp2p node of its own (TCP, Noise, Yamux,
// its own key unless given one, the run secret only if given it) and a plain socket. It dials a
// member, says hello as whichever process it likes and sends whatever frames it likes; it reports
// whether it got as far as writing them, never throwing.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { ConnectionProtector, PrivateKey } from '@libp2p/interface';
import { preSharedKey } from '@libp2p/pnet';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import net from 'node:net';
import { controlFrame, encodeFrame } from '../../src/live/transport/frame.js';
import { FRAME_KINDS, type Frame } from '../../src/live/transport/types.js';
import { ClientHandshake, SERVER_ANSWER_BYTES } from '../../src/live/transport/tcp-handshake.js';
import '../../src/live/transport/polyfill.js';

export const EXCHANGE = '/plexus/exchange/1';

/** Forged parameter rows from `sender` (a peer of the process it poses as) for `round`. */
export function forgedRows(round: number, sender: number, receiver: number, floats = 64): Frame {
  const rows = new Float32Array(floats).fill(1e3);
  return { round, sender, receiver, kind: FRAME_KINDS.rows, payload: new Uint8Array(rows.buffer) };
}

/** A forged evaluation (every example right) and a forged round report (consensus 0.0424242). */
export function forgedReports(round: number, peer: number): Frame[] {
  const evals = new Float64Array([1, 1, 1, 1]);
  return [
    { round, sender: peer, receiver: -1, kind: FRAME_KINDS.eval, payload: new Uint8Array(evals.buffer) },
    controlFrame({ type: 'round', round, peerSteps: 1, seconds: 0, trainMs: 0, evalMs: 0, consensus: { value: 0.0424242, meanSq: 0.0018 } }, round),
  ];
}

export const stopFrame = (): Frame => controlFrame({ type: 'stop', reason: 'an intruder says so' });

export type Outcome = 'refused' | 'sent';

export class Libp2pIntruder {
  private constructor(readonly node: Libp2p) {}

  /** An intruder with `key` (default: a fresh one) and the swarm key `psk` or another `protector` (default: none). */
  static async create(opts: { key?: PrivateKey; psk?: Uint8Array; protector?: () => ConnectionProtector } = {}): Promise<Libp2pIntruder> {
    const node = await createLibp2p({
      ...(opts.key ? { privateKey: opts.key } : {}),
      addresses: { listen: [] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      ...(opts.psk ? { connectionProtector: preSharedKey({ psk: opts.psk }) } : {}),
      ...(opts.protector ? { connectionProtector: opts.protector } : {}),
      connectionMonitor: { enabled: false },
    });
    return new Libp2pIntruder(node);
  }

  get peerId(): string {
    return this.node.peerId.toString();
  }

  /**
   * Dials `address`, says hello as process `as`, then sends `frames` (a moment apart) and, with
   * `close`, hangs up at once. 'refused' when no stream could be opened.
   */
  async attack(address: string, as: number, frames: Frame[] = [], opts: { close?: boolean } = {}): Promise<Outcome> {
    let stream;
    try {
      stream = await this.node.dialProtocol(multiaddr(address), EXCHANGE, { signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      if (process.env.INTRUDER_DEBUG) console.error('intruder refused:', e);
      return 'refused';
    }
    try {
      const lp = lpStream(stream);
      await lp.write(encodeFrame(controlFrame({ hello: as })));
      for (const f of frames) {
        await new Promise((res) => setTimeout(res, 20));
        await lp.write(encodeFrame(f));
      }
      if (opts.close) await stream.close();
    } catch {
      // the member hung up on it: what matters is what the member did with the bytes
    }
    return 'sent';
  }

  stop(): Promise<void> {
    return this.node.stop();
  }
}

/** A length-prefixed (u32 LE) frame as the plain tcp transport carries it. */
export function tcpFrame(frame: Frame): Buffer {
  const body = encodeFrame(frame);
  const out = Buffer.alloc(4 + body.byteLength);
  out.writeUInt32LE(body.byteLength, 0);
  out.set(body, 4);
  return out;
}

/**
 * A plain socket to `host:port`: with `secret`, the tcp handshake as process `claim` first (to
 * `server`); then `bytes`. Resolves, once the member closes the socket or after `ms`, to whether it closed it.
 */
export function socketAttack(address: string, bytes: Buffer[], opts: { secret?: Uint8Array; claim?: number; server?: number; ms?: number } = {}): Promise<'closed by the member' | 'still open'> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
    const timer = setTimeout(() => (socket.destroy(), resolve('still open')), opts.ms ?? 8000);
    socket.on('error', () => {});
    socket.on('close', () => (clearTimeout(timer), resolve('closed by the member')));
    socket.on('connect', () => {
      if (!opts.secret) {
        for (const b of bytes) socket.write(b);
        return;
      }
      const hs = new ClientHandshake(opts.secret, opts.claim ?? 1, opts.server ?? 0);
      socket.write(hs.opening());
      let got = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        if (got.byteLength >= SERVER_ANSWER_BYTES) return;
        got = Buffer.concat([got, d]);
        if (got.byteLength < SERVER_ANSWER_BYTES) return;
        let proof: Buffer;
        try {
          proof = hs.proof(got.subarray(0, SERVER_ANSWER_BYTES));
        } catch {
          proof = Buffer.alloc(32, 7); // another run's secret: it cannot prove anything, so it bluffs
        }
        socket.write(proof);
        for (const b of bytes) socket.write(b);
      });
    });
  });
}
