// One contract suite run over every transport (libp2p, plain TCP, in-memory): what the live
// engine may rely on, whichever carries its frames.
import net from 'node:net';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { afterEach, describe, expect, it } from 'vitest';
import { TransportError } from '../../src/live/transport/errors.js';
import { createLibp2pTransport } from '../../src/live/transport/libp2p.js';
import { createMemoryHub } from '../../src/live/transport/memory.js';
import { createTcpTransport } from '../../src/live/transport/tcp.js';
import { FRAME_HEADER_BYTES, FRAME_KINDS, type Frame, type Transport } from '../../src/live/transport/types.js';

interface Kind {
  name: string;
  /** n transports of one run (not started) */
  make(n: number, opts?: MakeOptions): Transport[];
  /** a transport for process `self` whose address is known before it starts */
  planned(self: number): Promise<{ transport: Transport; address: string[] }>;
}

interface MakeOptions {
  connectTimeoutMs?: number;
  maxFrameBytes?: number;
}

/** A port free a moment ago. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const kinds: Kind[] = [
  {
    name: 'libp2p',
    make: (n, opts) => Array.from({ length: n }, (_, self) => createLibp2pTransport({ self, connectTimeoutMs: 10_000, ...opts })),
    planned: async (self) => {
      const privateKey = await generateKeyPair('Ed25519');
      const listen = `/ip4/127.0.0.1/tcp/${await freePort()}`;
      return { transport: createLibp2pTransport({ self, listen, privateKey }), address: [`${listen}/p2p/${peerIdFromPrivateKey(privateKey)}`] };
    },
  },
  {
    name: 'tcp',
    make: (n, opts) => Array.from({ length: n }, (_, self) => createTcpTransport({ self, connectTimeoutMs: 10_000, ...opts })),
    planned: async (self) => {
      const port = await freePort();
      return { transport: createTcpTransport({ self, port }), address: [`127.0.0.1:${port}`] };
    },
  },
  {
    name: 'memory',
    make: (n, opts) => memoryHub.transports(n, opts),
    planned: async (self) => ({ transport: memoryHub.latest.transport(self), address: [`memory:${self}`] }),
  },
];

function bytes(n: number, salt: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + salt * 7 + (i >> 8)) & 255;
  return b;
}

function rows(round: number, sender: number, receiver: number, payload: Uint8Array): Frame {
  return { round, sender, receiver, kind: FRAME_KINDS.rows, payload };
}

interface Received {
  from: number;
  frame: Frame;
}

/** Resolves once `done()` holds, polling; fails the test after `ms`. */
async function until(done: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Memory transports of one run share a hub; `planned` joins the last run's. */
const memoryHub = {
  latest: createMemoryHub(),
  transports(n: number, opts?: MakeOptions): Transport[] {
    this.latest = createMemoryHub();
    return Array.from({ length: n }, (_, self) => this.latest.transport(self, { connectTimeoutMs: 10_000, ...opts }));
  },
};

describe.each(kinds)('transport contract: $name', (kind) => {
  let open: Transport[] = [];
  afterEach(async () => {
    await Promise.all(open.map((t) => t.close()));
    open = [];
  });

  /** Starts and fully connects n transports, recording what each receives. */
  async function mesh(n: number): Promise<{ ts: Transport[]; inbox: Received[][]; lost: number[][] }> {
    const ts = kind.make(n);
    open.push(...ts);
    const inbox = ts.map(() => [] as Received[]);
    const lost = ts.map(() => [] as number[]);
    ts.forEach((t, i) => {
      t.onFrame((from, frame) => inbox[i].push({ from, frame: { ...frame, payload: frame.payload.slice() } }));
      t.onDisconnect((p) => lost[i].push(p));
    });
    const addresses = await Promise.all(ts.map((t) => t.start()));
    expect(addresses.every((a) => a.length > 0)).toBe(true);
    await Promise.all(ts.map((t) => t.connect(addresses)));
    return { ts, inbox, lost };
  }

  it('connects three processes and delivers frames in order, with the sender process and intact payloads, 0 bytes to 4 MiB', async () => {
    const { ts, inbox } = await mesh(3);
    const sizes = [0, 1, 4 * 2 ** 20, 13, 0, 407_080, 5];
    const sends: Promise<void>[] = [];
    const pairs = [[0, 1], [0, 2], [1, 2], [2, 0], [1, 0]];
    for (const [from, to] of pairs) {
      // fired without awaiting each: order must still hold
      sizes.forEach((n, r) => sends.push(ts[from].send(to, rows(r, from * 10, to * 10, bytes(n, from + to + r)))));
    }
    sends.push(ts[2].send(1, { round: 99, sender: -1, receiver: -1, kind: FRAME_KINDS.control, payload: new TextEncoder().encode('{"barrier":99}') }));
    await Promise.all(sends);
    const expected = [sizes.length * 2, sizes.length + 1, sizes.length * 2];
    await until(() => inbox.every((b, i) => b.length === expected[i]), 'every frame');
    for (const [from, to] of pairs) {
      {
        const got = inbox[to].filter((r) => r.from === from && r.frame.kind === FRAME_KINDS.rows);
        expect(got.map((r) => r.frame.round)).toEqual(sizes.map((_, r) => r));
        got.forEach(({ frame }, r) => {
          expect(frame.sender).toBe(from * 10);
          expect(frame.receiver).toBe(to * 10);
          expect(frame.payload.byteLength).toBe(sizes[r]);
          expect(Buffer.from(frame.payload).equals(Buffer.from(bytes(sizes[r], from + to + r)))).toBe(true);
        });
      }
    }
    const control = inbox[1].find((r) => r.frame.kind === FRAME_KINDS.control);
    expect(control?.from).toBe(2);
    expect(new TextDecoder().decode(control?.frame.payload)).toBe('{"barrier":99}');
  });

  it('counts bytes and frames per link, header included', async () => {
    const { ts, inbox } = await mesh(2);
    await ts[0].send(1, rows(1, 0, 1, bytes(1000, 1)));
    await ts[0].send(1, rows(2, 0, 1, bytes(0, 2)));
    await ts[1].send(0, rows(1, 1, 0, bytes(24, 3)));
    await until(() => inbox[0].length === 1 && inbox[1].length === 2, 'the frames');
    expect(ts[0].stats()).toEqual([{ process: 1, bytesSent: 1000 + 2 * FRAME_HEADER_BYTES, framesSent: 2, bytesReceived: 24 + FRAME_HEADER_BYTES, framesReceived: 1 }]);
    expect(ts[1].stats()).toEqual([{ process: 0, bytesSent: 24 + FRAME_HEADER_BYTES, framesSent: 1, bytesReceived: 1000 + 2 * FRAME_HEADER_BYTES, framesReceived: 2 }]);
  });

  it('keeps dialling a process that starts late, until it is up', async () => {
    const [first] = kind.make(1);
    open.push(first);
    const late = await kind.planned(1);
    open.push(late.transport);
    const got: Received[] = [];
    late.transport.onFrame((from, frame) => got.push({ from, frame }));
    const addresses = [await first.start(), late.address];
    const connecting = first.connect(addresses);
    await new Promise((r) => setTimeout(r, 600));
    expect(await late.transport.start()).toEqual(late.address);
    await Promise.all([connecting, late.transport.connect(addresses)]);
    await first.send(1, rows(2, 0, 1, bytes(64, 2)));
    await until(() => got.length === 1, 'a frame to the late process');
    expect(got[0].from).toBe(0);
  });

  it('keeps frames that arrive before a handler is set', async () => {
    const ts = kind.make(2);
    open.push(...ts);
    const addresses = await Promise.all(ts.map((t) => t.start()));
    await Promise.all(ts.map((t) => t.connect(addresses)));
    await ts[0].send(1, rows(4, 0, 1, bytes(10, 4)));
    await new Promise((r) => setTimeout(r, 100));
    const got: Received[] = [];
    ts[1].onFrame((from, frame) => got.push({ from, frame }));
    await until(() => got.length === 1, 'the early frame');
    expect(got[0].from).toBe(0);
    expect(got[0].frame.round).toBe(4);
  });

  it('tells the others once when a process closes, and refuses to send to it after', async () => {
    const { ts, lost } = await mesh(3);
    await ts[2].close();
    await until(() => lost[0].length > 0 && lost[1].length > 0, 'the disconnect notices');
    await new Promise((r) => setTimeout(r, 200));
    expect(lost).toEqual([[2], [2], []]);
    await expect(ts[0].send(2, rows(0, 0, 2, bytes(4, 0)))).rejects.toThrow(TransportError);
    // the survivors still talk
    const got: number[] = [];
    ts[1].onFrame((from) => got.push(from));
    await ts[0].send(1, rows(1, 0, 1, bytes(8, 1)));
    await until(() => got.length === 1, 'a frame between the survivors');
  });

  it('drops a process that sends a frame over the size limit, and says why', async () => {
    const ts = kind.make(2, { maxFrameBytes: 1024 });
    open.push(...ts);
    const errors: Error[] = [];
    const lost: number[] = [];
    ts[1].onError?.((e) => errors.push(e));
    ts[1].onDisconnect((p) => lost.push(p));
    const addresses = await Promise.all(ts.map((t) => t.start()));
    await Promise.all(ts.map((t) => t.connect(addresses)));
    await ts[0].send(1, rows(0, 0, 1, bytes(2000, 0))).catch(() => {});
    await until(() => errors.length === 1 && lost.length === 1, 'the error and the disconnect');
    expect(errors[0]).toBeInstanceOf(TransportError);
    expect(errors[0].message).toMatch(/process 0/);
    expect((errors[0] as TransportError).process).toBe(0);
    expect(lost).toEqual([0]);
  });

  it('closes idempotently, and reports nothing after its own close', async () => {
    const { ts, lost } = await mesh(2);
    const a = ts[0].close();
    const b = ts[0].close();
    await Promise.all([a, b]);
    await ts[0].close();
    await until(() => lost[1].length === 1, 'the survivor noticing');
    expect(lost[0]).toEqual([]);
    await ts[1].close();
    await ts[1].close();
  });

  it('says which process it could not reach when connect() gives up', async () => {
    const [t] = kind.make(1, { connectTimeoutMs: 1000 });
    open.push(t);
    // an address nobody listens on (process 1 never starts); memory hub transports are named by index
    const dead = kind.name === 'libp2p' ? '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvkXtf' : kind.name === 'tcp' ? '127.0.0.1:1' : 'memory:1';
    const own = await t.start();
    const started = Date.now();
    const err = await t.connect([own, [dead]]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).process).toBe(1);
    // it retried for the while it was given before giving up
    expect(Date.now() - started).toBeGreaterThan(500);
  });
});
