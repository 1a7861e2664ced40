// A second connection that says hello as a live process, then closes (a stray client, or a process
// started again with a live one's index), must not make that process lost: only the link dialled
// to the process's own address says it is gone. Today's hang: the duplicate closed, process 1 was
// counted lost by node 0, which stopped sending to it while 1 waited for its rows forever.
import { afterEach, describe, expect, it } from 'vitest';
import { createLibp2pTransport } from '../../src/live/transport/libp2p.js';
import { createTcpTransport } from '../../src/live/transport/tcp.js';
import { FRAME_KINDS, type Transport } from '../../src/live/transport/types.js';

const kinds: { name: string; make(self: number): Transport }[] = [
  { name: 'libp2p', make: (self) => createLibp2pTransport({ self, connectTimeoutMs: 10_000 }) },
  { name: 'tcp', make: (self) => createTcpTransport({ self, connectTimeoutMs: 10_000 }) },
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

describe.each(kinds)('a $name transport', (kind) => {
  it('keeps a live process when another connection says hello as it and closes', async () => {
    const [t0, t1] = [kind.make(0), kind.make(1)];
    open.push(t0, t1);
    const lost: number[] = [];
    t0.onDisconnect((p) => lost.push(p));
    const got: number[] = [];
    t1.onFrame((_from, f) => got.push(f.round));
    const addresses = await Promise.all([t0.start(), t1.start()]);
    await Promise.all([t0.connect(addresses), t1.connect(addresses)]);
    const impostor = kind.make(1);
    await impostor.start();
    await impostor.connect([addresses[0]]);
    await impostor.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(lost).toEqual([]);
    await t0.send(1, { round: 7, sender: -1, receiver: -1, kind: FRAME_KINDS.control, payload: new TextEncoder().encode('{"type":"ping","seq":1}') });
    await until(() => got.includes(7), 'the frame to the real process 1');
    // and the real process 1 going away is still seen
    await t1.close();
    await until(() => lost.includes(1), 'the loss of the real process 1');
  }, 30_000);
});
