// A second connection that says hello as a live process, then closes, must not make that process
// lost: only the link dialled to the process's own address says it is gone. Strangers cannot get
// that far (auth-transport.test.ts); a member can: process 1 opening a second connection, or its key
// (and the run secret) used by another node. Before the fix the duplicate closed, process 1 was
// counted lost by node 0, which stopped sending to it while 1 waited for its rows forever.
import type { PrivateKey } from '@libp2p/interface';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/live/identity.js';
import { generateSecret, type RunSecret } from '../../src/live/secret.js';
import { controlFrame } from '../../src/live/transport/frame.js';
import { createLibp2pTransport } from '../../src/live/transport/libp2p.js';
import { createTcpTransport } from '../../src/live/transport/tcp.js';
import type { Transport } from '../../src/live/transport/types.js';

interface Kind {
  name: string;
  /** process `self` of a run whose members hold `keys` (libp2p) and `secret` */
  make(self: number, keys: PrivateKey[], secret: RunSecret): Transport;
}

const kinds: Kind[] = [
  { name: 'libp2p', make: (self, keys, secret) => createLibp2pTransport({ self, privateKey: keys[self], secret, connectTimeoutMs: 10_000 }) },
  { name: 'tcp', make: (self, _keys, secret) => createTcpTransport({ self, secret: secret.key, connectTimeoutMs: 10_000 }) },
];

const open: Transport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function until(done: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ping = (round: number) => controlFrame({ type: 'ping', seq: round }, round);

describe.each(kinds)('a $name transport', (kind) => {
  it('keeps a live process when a second connection with its key and the run secret says hello as it and closes', async () => {
    const keys = [await generateKey(), await generateKey()];
    const secret = generateSecret();
    const [t0, t1] = [kind.make(0, keys, secret), kind.make(1, keys, secret)];
    open.push(t0, t1);
    const lost: number[] = [];
    t0.onDisconnect((p) => lost.push(p));
    const at0: [number, number][] = [];
    t0.onFrame((from, f) => at0.push([from, f.round]));
    const at1: number[] = [];
    t1.onFrame((_from, f) => at1.push(f.round));
    const addresses = await Promise.all([t0.start(), t1.start()]);
    await Promise.all([t0.connect(addresses), t1.connect(addresses)]);

    // process 1's key in another node: it gets in (its hello is taken, its frame arrives as 1's)...
    const second = kind.make(1, keys, secret);
    open.push(second);
    await second.start();
    await second.connect(addresses);
    await second.send(0, ping(3));
    await until(() => at0.some(([from, round]) => from === 1 && round === 3), "the second connection's frame");
    // ...then goes away, which says nothing of the real process 1
    await second.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(lost).toEqual([]);
    await t0.send(1, ping(7));
    await until(() => at1.includes(7), 'the frame to the real process 1');
    expect(lost).toEqual([]);
    // and the real process 1 going away is still seen
    await t1.close();
    await until(() => lost.includes(1), 'the loss of the real process 1');
  }, 30_000);
});
