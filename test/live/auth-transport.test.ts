// The transports' own gate, in one process with timing under the test's control: a member's key
// speaking for another index, a stream or socket that says nothing, strangers (with and without the
// run secret), a node that does not know its members yet, and the tcp handshake's proofs.
import { afterEach, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/live/identity.js';
import { generateSecret, type RunSecret } from '../../src/live/secret.js';
import { secretHandshake } from '../../src/live/transport/secret-handshake.js';
import { controlFrame } from '../../src/live/transport/frame.js';
import { createLibp2pTransport } from '../../src/live/transport/libp2p.js';
import { ClientHandshake, ServerHandshake } from '../../src/live/transport/tcp-handshake.js';
import { createTcpTransport } from '../../src/live/transport/tcp.js';
import type { Frame, Transport } from '../../src/live/transport/types.js';
import { multiaddr } from '@multiformats/multiaddr';
import { EXCHANGE, forgedRows, Libp2pIntruder, socketAttack, tcpFrame } from './intruder.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

const dropped = (t: Transport): number => (t as unknown as { dropped: number }).dropped;

/** Two started libp2p members of one run (keys known), their addresses, and what each received. */
async function libp2pPair(secret?: RunSecret, secretLayer?: 'pnet' | 'handshake') {
  const keys = [await generateKey(), await generateKey()];
  const ts = keys.map((privateKey, self) => createLibp2pTransport({ self, privateKey, secret, secretLayer, connectTimeoutMs: 10_000 }));
  open.push(...ts);
  const received: [number, Frame][][] = [[], []];
  ts.forEach((t, k) => t.onFrame((from, f) => received[k].push([from, f])));
  const addresses = await Promise.all(ts.map((t) => t.start()));
  return { ts, keys, addresses, received };
}

describe('the libp2p gate', () => {
  it('lets a member\'s key in only for its own index: a hello for another is dropped, and nothing it sends is taken', async () => {
    const secret = generateSecret();
    const { ts, keys, addresses, received } = await libp2pPair(secret);
    ts[1].admit!(addresses);
    const impostor = await Libp2pIntruder.create({ key: keys[0], protector: secretHandshake(secret.key) });
    open.push({ close: () => impostor.stop() });
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (errors.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await impostor.attack(addresses[1][0], 2, [forgedRows(1, 0, 1)])).toBe('sent');
      await new Promise((res) => setTimeout(res, 300));
    } finally {
      process.stderr.write = write;
    }
    expect(received[1]).toEqual([]);
    expect(dropped(ts[1])).toBeGreaterThan(0);
    expect(errors.join('')).toMatch(/before any frame: .*is process 0's key but said hello as process 2/);
  }, 30_000);

  it('drops strangers with the run secret at the gater and strangers without it in the handshake, counting each', async () => {
    const secret = generateSecret();
    const { ts, addresses, received } = await libp2pPair(secret);
    ts[1].admit!(addresses);
    const stranger = await Libp2pIntruder.create({ protector: secretHandshake(secret.key) });
    const outsider = await Libp2pIntruder.create();
    open.push({ close: () => stranger.stop() }, { close: () => outsider.stop() });
    expect(await stranger.attack(addresses[1][0], 0, [forgedRows(1, 0, 1)])).toBe('refused');
    expect(await outsider.attack(addresses[1][0], 0, [forgedRows(1, 0, 1)])).toBe('refused');
    await new Promise((res) => setTimeout(res, 300));
    expect(dropped(ts[1])).toBeGreaterThanOrEqual(2);
    expect(received[1]).toEqual([]);
  }, 30_000);

  it('with the secret checked by a handshake instead of pnet: members talk, strangers with or without the secret are dropped', async () => {
    const secret = generateSecret();
    const { ts, addresses, received } = await libp2pPair(secret, 'handshake');
    await Promise.all(ts.map((t) => t.connect(addresses)));
    await ts[0].send(1, forgedRows(1, 0, 6));
    const stranger = await Libp2pIntruder.create({ protector: secretHandshake(secret.key) });
    const outsider = await Libp2pIntruder.create({ protector: secretHandshake(generateSecret().key) });
    const plain = await Libp2pIntruder.create();
    open.push(...[stranger, outsider, plain].map((i) => ({ close: () => i.stop() })));
    for (const i of [stranger, outsider, plain]) expect(await i.attack(addresses[1][0], 0, [forgedRows(2, 0, 6)])).toBe('refused');
    await new Promise((res) => setTimeout(res, 300));
    expect(received[1].map(([from, f]) => [from, f.round])).toEqual([[0, 1]]);
    expect(dropped(ts[1])).toBeGreaterThanOrEqual(3);
  }, 30_000);

  it('refuses everyone until it knows its members, and lets the members in once it does', async () => {
    const { ts, addresses, received } = await libp2pPair();
    // process 0 dials 1, which has not read the bootstrap file yet: held, refused, retried
    const connecting = ts[0].connect(addresses);
    await new Promise((res) => setTimeout(res, 3500));
    expect(dropped(ts[1])).toBeGreaterThan(0);
    ts[1].admit!(addresses);
    await connecting;
    await ts[0].send(1, controlFrame({ type: 'ping', seq: 1 }));
    await new Promise((res) => setTimeout(res, 200));
    expect(received[1].map(([from]) => from)).toEqual([0]);
  }, 30_000);

  it('drops a member\'s stream that says no hello within the timeout', async () => {
    const secret = generateSecret();
    const { ts, keys, addresses } = await libp2pPair(secret);
    ts[1].admit!(addresses);
    const silent = await Libp2pIntruder.create({ key: keys[0], protector: secretHandshake(secret.key) });
    open.push({ close: () => silent.stop() });
    const stream = await silent.node.dialProtocol(multiaddr(addresses[1][0]), EXCHANGE);
    const closed = new Promise<number>((res) => stream.addEventListener('close', () => res(Date.now())));
    const t0 = Date.now();
    expect((await closed) - t0).toBeGreaterThanOrEqual(4500);
    expect(dropped(ts[1])).toBe(1);
  }, 30_000);

  it('refuses a member list that binds its own index to another key', async () => {
    const { ts, addresses } = await libp2pPair();
    expect(() => ts[1].admit!([addresses[0], addresses[0]])).toThrow(/binds index 1 to peer .* but this process's key is peer/);
  }, 30_000);
});

describe('the tcp gate', () => {
  async function tcpMember(secret?: Uint8Array) {
    const t = createTcpTransport({ self: 1, secret });
    open.push(t);
    const received: Frame[] = [];
    t.onFrame((_, f) => received.push(f));
    const [address] = await t.start();
    t.admit!([['127.0.0.1:1'], [address], ['127.0.0.1:2']]);
    return { t, address, received };
  }

  it('drops a socket that says nothing within the hello timeout', async () => {
    const { t, address } = await tcpMember(generateSecret().key);
    const t0 = Date.now();
    expect(await socketAttack(address, [], { ms: 15_000 })).toBe('closed by the member');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4500);
    expect(dropped(t)).toBe(1);
  }, 30_000);

  it('takes frames from a client that proves the secret, and from no one who skips, fakes or replays the handshake', async () => {
    const secret = generateSecret().key;
    const { t, address, received } = await tcpMember(secret);
    const hello0 = tcpFrame(controlFrame({ hello: 0 }));
    expect(await socketAttack(address, [hello0, tcpFrame(forgedRows(1, 0, 6))])).toBe('closed by the member');
    expect(await socketAttack(address, [hello0], { secret: generateSecret().key, claim: 0, server: 1 })).toBe('closed by the member');
    expect(await socketAttack(address, [hello0], { secret, claim: 0, server: 0 })).toBe('closed by the member'); // dialled "another" process
    expect(received).toEqual([]);
    expect(dropped(t)).toBe(3);
    // an honest member: its rows arrive
    expect(await socketAttack(address, [hello0, tcpFrame(forgedRows(1, 0, 6))], { secret, claim: 0, server: 1, ms: 500 })).toBe('still open');
    expect(received.map((f) => f.round)).toEqual([1]);
  }, 30_000);

  it('makes a handshake that cannot be replayed: the server\'s fresh nonce changes the proof it wants', () => {
    const secret = generateSecret().key;
    const client = new ClientHandshake(secret, 0, 1);
    const opening = client.opening();
    const first = new ServerHandshake(secret, 1, 3);
    const proof = client.proof(first.answer(opening));
    expect(first.verify(proof)).toBe(true);
    const second = new ServerHandshake(secret, 1, 3);
    second.answer(opening); // the same opening, recorded and sent again
    expect(second.verify(proof)).toBe(false);
    expect(() => new ServerHandshake(secret, 1, 3).answer(Buffer.concat([opening.subarray(0, 36), Buffer.from([5, 0, 0, 0, 1, 0, 0, 0])]))).toThrow(/claims index 5/);
  });

  it('refuses a server that does not hold the secret', () => {
    const client = new ClientHandshake(generateSecret().key, 0, 1);
    const server = new ServerHandshake(generateSecret().key, 1, 3);
    expect(() => client.proof(server.answer(client.opening()))).toThrow(/did not prove it holds the run secret/);
  });
});

