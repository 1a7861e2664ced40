// What a member of a live run can still do wrong once it is authenticated: send a control message
// only the observer may send, frames of the wrong length, non-finite rows, frames for rounds far
// ahead. Each ends the run with an error naming that member, never the honest one that found it.
import { describe, expect, it } from 'vitest';
import { smallConfig } from '../engine/helpers.js';
import { LiveNode } from '../../src/live/node.js';
import { LiveObserver } from '../../src/live/observer.js';
import { Mailbox } from '../../src/live/mailbox.js';
import { controlFrame, parseControl } from '../../src/live/messages.js';
import { controlIssue, LiveEvicted, ProtocolViolation, ROUNDS_AHEAD } from '../../src/live/frame-checks.js';
import { createMemoryHub } from '../../src/live/transport/memory.js';
import { FRAME_KINDS, type Frame, type Transport } from '../../src/live/transport/types.js';
import { runLive } from './live-helpers.js';

const P = 2;
const config = () => smallConfig({ peers: 8, rounds: 6, model: { kind: 'mlp', hidden: [4] } });

/** Frames member `k` sends instead of `f` (to `to`): none, one or several. */
type Tamper = (to: number, f: Frame) => Frame[];

/** A transport whose sends pass through `tamper` first, as a member that misbehaves. */
function tampering(t: Transport, tamper: Tamper): Transport {
  return {
    self: t.self, start: () => t.start(), connect: (a) => t.connect(a), onFrame: (h) => t.onFrame(h), onDisconnect: (h) => t.onDisconnect(h),
    stats: () => t.stats(), close: () => t.close(),
    send: (to, f) => Promise.all(tamper(to, f).map((g) => t.send(to, g))).then(() => undefined),
  };
}

interface Ended {
  observer: unknown;
  nodes: unknown[];
}

/** A run over P processes in memory where process 1's sends pass through `tamper`; how each member ended. */
async function runWith(tamper: Tamper): Promise<Ended> {
  const hub = createMemoryHub();
  const transports = Array.from({ length: P + 1 }, (_, k) => (k === 1 ? tampering(hub.transport(k), tamper) : hub.transport(k)));
  const cfg = config();
  const nodes = await Promise.all(Array.from({ length: P }, (_, k) => LiveNode.create(cfg, { transport: transports[k], processes: P, timeoutMs: 60_000 })));
  const observer = await LiveObserver.create(cfg, { transport: transports[P], processes: P, transportName: 'memory' });
  const addresses = await Promise.all(transports.map((t) => t.start()));
  await Promise.all(transports.map((t) => t.connect(addresses)));
  const settle = (p: Promise<unknown>) => p.then((v) => v, (e: unknown) => e);
  try {
    const [o, ...n] = await Promise.all([settle(observer.run()), ...nodes.map((node) => settle(node.run()))]);
    return { observer: o, nodes: n };
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
    await Promise.all(transports.map((t) => t.close()));
  }
}

/** The run failed everywhere, the observer's and the honest node's errors name process 1 as the culprit and not process 0. */
function expectBlamed(ended: Ended, what: RegExp): void {
  const observerError = ended.observer as Error;
  expect(observerError).toBeInstanceOf(Error);
  expect(observerError.message).toMatch(/^live: process 1 broke the protocol: /);
  expect(observerError.message).toMatch(what);
  expect(observerError.message).not.toMatch(/process 0/);
  const honest = ended.nodes[0] as Error;
  expect(honest).toBeInstanceOf(ProtocolViolation);
  expect((honest as ProtocolViolation).process).toBe(1);
  // the culprit is stopped as a failed run, not as a finished one
  expect(ended.nodes[1]).toBeInstanceOf(Error);
}

const rowsFrom1 = (f: Frame, to: number) => f.kind === FRAME_KINDS.rows && to === 0;

describe('a member that misbehaves in a live run', () => {
  it('cannot stop another node: a stop from a node is a protocol violation naming it', async () => {
    let sent = false;
    const ended = await runWith((to, f) => {
      if (sent || !rowsFrom1(f, to)) return [f];
      sent = true;
      return [controlFrame(0, { type: 'stop', reason: 'forged' }), f];
    });
    expectBlamed(ended, /a 'stop' message, which only the observer \(member 2\) sends/);
    // node 0 was not "stopped by the observer"
    expect(ended.nodes[0]).not.toBe('stopped');
  }, 30_000);

  it('ends the run naming it when it sends a control frame that is not JSON', async () => {
    let sent = false;
    const ended = await runWith((to, f) => {
      if (sent || !rowsFrom1(f, to)) return [f];
      sent = true;
      return [{ round: 0, sender: -1, receiver: -1, kind: FRAME_KINDS.control, payload: new TextEncoder().encode('{not json') }];
    });
    expectBlamed(ended, /a control frame that is not JSON/);
  }, 30_000);

  it('ends the run naming it when its rows frame is 4 bytes short', async () => {
    const ended = await runWith((to, f) => (rowsFrom1(f, to) && f.round === 2 ? [{ ...f, payload: f.payload.subarray(0, f.payload.byteLength - 4) }] : [f]));
    expectBlamed(ended, /round 2: rows 4\.\. in \d+ bytes where rows 4\.\.4 in \d+ bytes were due/);
  }, 30_000);

  it('refuses non-finite rows, naming the member rather than blaming train.lr', async () => {
    const ended = await runWith((to, f) => {
      if (!rowsFrom1(f, to) || f.round !== 3) return [f];
      const payload = new Uint8Array(f.payload);
      new Float32Array(payload.buffer)[1] = Number.NaN;
      return [{ ...f, payload }];
    });
    expectBlamed(ended, /round 3: peer 4's row holds NaN/);
    expect((ended.observer as Error).message).not.toMatch(/train\.lr/);
  }, 30_000);

  it('refuses rows for a peer it does not host', async () => {
    const ended = await runWith((to, f) => (rowsFrom1(f, to) && f.round === 2 ? [{ ...f, sender: 0 }] : [f]));
    expectBlamed(ended, /a frame for peer 0, which it does not host \(its peers are 4\.\.7\)/);
  }, 30_000);

  it('never queues a frame for a round far ahead: it is a violation at once', async () => {
    let sent = false;
    const ended = await runWith((to, f) => {
      if (sent || !rowsFrom1(f, to)) return [f];
      sent = true;
      return [{ ...f, round: 1_000_000 }, f];
    });
    expectBlamed(ended, new RegExp(`a frame for round 1000000 while this process is at round \\d; no process can be more than ${ROUNDS_AHEAD} rounds ahead`));
  }, 30_000);

  it('cannot send the observer an evaluation of peers it does not host', async () => {
    const ended = await runWith((to, f) => (to === P && f.kind === FRAME_KINDS.eval ? [{ ...f, sender: 0 }] : [f]));
    const e = ended.observer as Error;
    expect(e.message).toMatch(/^live: process 1 broke the protocol: the evaluation of peers 0\.\. where its own, 4\.\.7, were due/);
  }, 30_000);

  it('cannot send the observer a round report of the wrong shape', async () => {
    const ended = await runWith((to, f) => {
      if (to !== P || f.kind !== FRAME_KINDS.control || f.round !== 2) return [f];
      const m = parseControl(f);
      return m.type === 'round' ? [controlFrame(2, { ...m, traffic: { bytes: 1, perPeer: [1] } })] : [f];
    });
    expect((ended.observer as Error).message).toMatch(/^live: process 1 broke the protocol: a round 2 report whose traffic is not bytes, 8 per-peer/);
  }, 30_000);

  it('leaves an honest run alone: a run whose frames are only checked is the same run', async () => {
    // every frame of every member goes through the checks; none is refused, and the metrics are those of a run before them
    const plain = await runLive(config(), P);
    const checked = await runWith((_to, f) => [f]);
    expect(checked.nodes).toEqual(['done', 'done']);
    expect((checked.observer as { rounds: number }).rounds).toBe(plain.summary.rounds);
    expect((checked.observer as { finalMeanAccuracy: number }).finalMeanAccuracy).toBe(plain.summary.finalMeanAccuracy);
  }, 30_000);
});

describe('who may send which control message', () => {
  it('takes stop, bye, start and members from the observer only', () => {
    for (const type of ['stop', 'bye', 'start', 'members']) {
      expect(controlIssue(1, 0, 2, { type })).toMatch(/only the observer \(member 2\) sends/);
      expect(controlIssue(2, 0, 2, { type })).toBeUndefined();
    }
  });

  it('takes ready, round, error and done at the observer from a node only', () => {
    for (const type of ['ready', 'round', 'error', 'done']) {
      expect(controlIssue(0, 2, 2, { type })).toBeUndefined();
      expect(controlIssue(0, 1, 2, { type })).toMatch(/which only a node sends the observer/);
    }
  });

  it('refuses a message of no known type', () => {
    expect(controlIssue(0, 1, 2, { type: 'shutdown' })).toMatch(/unknown type "shutdown"/);
    expect(controlIssue(0, 1, 2, null)).toMatch(/unknown type undefined/);
    expect(controlIssue(0, 1, 2, { type: 'toString' })).toMatch(/unknown type/);
  });
});

describe('a node mailbox', () => {
  /** A transport stub: frames are pushed in by hand as from a member. */
  function stub(self: number): { transport: Transport; push(from: number, f: Frame): void } {
    let handler: (from: number, f: Frame) => void = () => undefined;
    return {
      transport: { self, start: async () => [], connect: async () => undefined, send: async () => undefined, onFrame: (h) => (handler = h), onDisconnect: () => undefined, stats: () => [], close: async () => undefined },
      push: (from, f) => handler(from, f),
    };
  }
  const rows = (round: number, bytes: number): Frame => ({ round, sender: 4, receiver: -1, kind: FRAME_KINDS.rows, payload: new Uint8Array(bytes) });

  it('holds no more than the rounds ahead can: a flood within the window is a violation naming the sender, and nothing stays queued', () => {
    const s = stub(0);
    const m = new Mailbox(s.transport, { processes: 2, frame: () => undefined, maxQueuedBytes: () => 1000 });
    s.push(1, rows(1, 600));
    expect(m.failed).toBeUndefined();
    s.push(1, rows(2, 600));
    expect(m.failed).toBeInstanceOf(ProtocolViolation);
    expect((m.failed as ProtocolViolation).message).toMatch(/^live: process 1 broke the protocol: 0\.0 MiB of frames not yet due \(up to rows of round 2\)/);
    return expect(m.take(1, `${FRAME_KINDS.rows}/1`)).rejects.toBeInstanceOf(ProtocolViolation);
  });

  it('counts what is taken: frames taken in turn never reach the limit', async () => {
    const s = stub(0);
    const m = new Mailbox(s.transport, { processes: 2, frame: () => undefined, maxQueuedBytes: () => 1000 });
    for (let r = 1; r <= 50; r++) {
      s.push(1, rows(r, 600));
      await m.take(1, `${FRAME_KINDS.rows}/${r}`);
    }
    expect(m.failed).toBeUndefined();
  });

  it('drops the late data frames of a lost process instead of queueing them', async () => {
    const s = stub(0);
    const m = new Mailbox(s.transport, { processes: 2, frame: () => undefined, maxQueuedBytes: () => 1000 });
    m.lose(1);
    for (let r = 1; r <= 10; r++) s.push(1, rows(r, 600));
    expect(m.failed).toBeUndefined();
    await expect(m.take(1, `${FRAME_KINDS.rows}/1`)).rejects.toThrow(/process 1 is lost/);
  });
});

describe('a send that fails before the transport says the link is gone', () => {
  it('is the loss of that process: the survivors go on, the one gone on without is told, no [object Event] anywhere', async () => {
    const hub = createMemoryHub();
    const processes = 3;
    const cfg = smallConfig({ peers: 12, rounds: 12, model: { kind: 'mlp', hidden: [4] } });
    // node 0's sends to node 2 fail from round 4 on as a libp2p stream closed mid-write does: with its close Event
    const broken = (t: Transport): Transport => ({
      ...tampering(t, (_to, f) => [f]),
      send: (to, f) => (to === 2 && f.round >= 4 && f.kind !== FRAME_KINDS.control ? Promise.reject(new Event('close')) : t.send(to, f)),
    });
    const transports = Array.from({ length: processes + 1 }, (_, k) => (k === 0 ? broken(hub.transport(k)) : hub.transport(k)));
    const nodes = await Promise.all(Array.from({ length: processes }, (_, k) => LiveNode.create(cfg, { transport: transports[k], processes, timeoutMs: 60_000 })));
    const observer = await LiveObserver.create(cfg, { transport: transports[processes], processes, transportName: 'memory' });
    const warnings: string[] = [];
    const rounds: { processesOnline?: number }[] = [];
    observer.on('warning', (w) => warnings.push(w));
    observer.on('round', (m) => rounds.push(m));
    const addresses = await Promise.all(transports.map((t) => t.start()));
    await Promise.all(transports.map((t) => t.connect(addresses)));
    const settle = (p: Promise<unknown>) => p.then((v) => v, (e: unknown) => e);
    try {
      const [summary, ...ends] = await Promise.all([settle(observer.run()), ...nodes.map((n) => settle(n.run()))]);
      expect(ends.slice(0, 2)).toEqual(['done', 'done']);
      expect(ends[2]).toBeInstanceOf(LiveEvicted);
      expect((ends[2] as Error).message).toMatch(/^live: process 2: process 0 went on without this one at round \d+/);
      expect((summary as { rounds: number }).rounds).toBe(12);
      expect(rounds.at(-1)?.processesOnline).toBe(2);
      expect(warnings.join('\n')).toMatch(/process 2 \(peers 8\.\.11\) lost at round \d+/);
      expect(warnings.join('\n')).not.toMatch(/object Event/);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await Promise.all(transports.map((t) => t.close()));
    }
  }, 30_000);
});
