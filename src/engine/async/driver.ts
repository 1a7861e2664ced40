// The event-driven scheduler of async mode: a virtual clock, a queue of wake-ups, deliveries and
// churn toggles, and an async protocol reacting to them. It runs on the main thread (training goes
// through the inline executor, so peers train with the very same primitive as in rounds).
// The engine advances it one virtual time unit per "round" and measures in between.
import type { AsyncTimeConfig } from '../../config/schema.js';
import type { AsyncMessage, AsyncOps, AsyncProtocol, Traffic } from '../../protocol/index.js';
import type { Topology } from '../../types.js';
import { createAsyncCrafter, type AdversaryPlan } from '../../adversary/index.js';
import { DEFAULT_AGGREGATION, pairwiseOf, type AggregationSpec } from '../../aggregation/index.js';
import { linkIndex } from '../../topology/csr.js';
import { EventQueue } from './event-queue.js';
import { createNetwork, type Network } from './network.js';

/** Bytes of a pull request. */
export const REQUEST_BYTES = 16;

type Event =
  | { time: number; type: 'wake'; peer: number }
  | { time: number; type: 'deliver'; message: Envelope }
  | { time: number; type: 'churn'; peer: number };

interface Envelope extends AsyncMessage {
  /** mailbox slot holding the model snapshot, -1 for requests */
  readonly slot: number;
}

export interface AsyncCounters {
  virtualTime: number;
  messagesSent: number;
  messagesDropped: number;
  messagesDelivered: number;
  peersOnline: number;
}

export interface AsyncPeerCounters {
  online: boolean[];
  wakeups: number[];
  messagesSent: number[];
}

export interface AsyncDriverOptions {
  time: AsyncTimeConfig;
  topology: Topology;
  seed: number;
  dim: number;
  /** bytes of one model message (the protocol's messageBytes) */
  modelBytes: number;
  protocol: AsyncProtocol;
  /** the current parameter buffer (rows of dim floats) */
  params: () => Float32Array;
  train: (peer: number, round: number) => Promise<void>;
  /** the run's adversaries: their model messages to honest peers are crafted when sent (src/adversary/async.ts) */
  adversaries?: AdversaryPlan;
  /** the aggregation rule, applied to one received model at a time (its pairwise merge; mean by default) */
  aggregation?: AggregationSpec;
}

export interface AsyncDriver {
  readonly network: Network;
  readonly protocol: AsyncProtocol;
  /** Runs every event up to virtual time `until`; returns what was sent since the last call. */
  advanceTo(until: number): Promise<Traffic>;
  counters(): AsyncCounters;
  peerCounters(): AsyncPeerCounters;
  /** Everything the scheduler holds between rounds (clock, queue, models in flight, streams, counters): for checkpoints. */
  snapshot(): unknown;
  restore(state: unknown): void;
}

interface DriverState {
  now: number;
  queue: ReturnType<EventQueue<Event>['snapshot']>;
  /** models in flight, by slot (free slots hold stale data) and the free list */
  slots: Float32Array;
  slotCount: number;
  free: number[];
  online: Uint8Array;
  wakeups: Float64Array;
  sentBy: Float64Array;
  counts: [sent: number, dropped: number, delivered: number];
  network: ReturnType<Network['snapshot']>;
  protocol: unknown;
}

export function createAsyncDriver(o: AsyncDriverOptions): AsyncDriver {
  const { topology, dim, protocol } = o;
  const n = topology.n;
  const craft = createAsyncCrafter(o.adversaries, o.seed, dim);
  const pairwise = pairwiseOf(o.aggregation ?? DEFAULT_AGGREGATION);
  if (typeof pairwise === 'string') throw new Error(`async: aggregation ${o.aggregation?.kind} ${pairwise}`);
  const network = createNetwork(o.time, n, o.seed);
  const queue = new EventQueue<Event>();
  const online = new Uint8Array(n);
  const wakeups = new Float64Array(n);
  const sentBy = new Float64Array(n);
  let perPeer = new Float64Array(n);
  let perEdge = new Float64Array(topology.neighbors.length);
  let bytes = 0;
  let now = 0;
  let sent = 0, dropped = 0, delivered = 0;
  // model snapshots in flight
  const slots: Float32Array[] = [];
  const free: number[] = [];

  for (let p = 0; p < n; p++) {
    online[p] = o.time.churn ? (network.startsOnline(p) ? 1 : 0) : 1;
    queue.push({ time: network.firstWake(p), type: 'wake', peer: p });
    if (o.time.churn) queue.push({ time: network.spell(p, online[p] === 1), type: 'churn', peer: p });
  }

  const post = (from: number, to: number, kind: 'model' | 'request', age: number, reply: boolean) => {
    const size = kind === 'model' ? o.modelBytes : REQUEST_BYTES;
    sent++;
    sentBy[from]++;
    bytes += size;
    perPeer[from] += size;
    const link = linkIndex(topology, from, to);
    if (link >= 0) perEdge[link] += size;
    if (network.dropped(from)) {
      dropped++;
      return;
    }
    let slot = -1;
    if (kind === 'model') {
      slot = free.length > 0 ? free.pop()! : slots.push(new Float32Array(dim)) - 1;
      const x = o.params();
      if (!craft?.(from, to, Math.max(1, Math.ceil(now)), x, slots[slot])) slots[slot].set(x.subarray(from * dim, (from + 1) * dim));
    }
    const message: Envelope = { from, to, kind, age, reply, slot };
    queue.push({ time: now + network.transit(from, to, size), type: 'deliver', message });
  };

  const ops: AsyncOps = {
    peers: n,
    get now() {
      return now;
    },
    neighbours: (p) => topology.neighbors.subarray(topology.offsets[p], topology.offsets[p + 1]),
    sendModel: (p, q, age, reply) => post(p, q, 'model', age, reply),
    sendRequest: (p, q) => post(p, q, 'request', 0, false),
    merge(p, message, a) {
      const slot = (message as Envelope).slot;
      if (slot < 0) throw new Error(`async: merge of a message without a model (peer ${p})`);
      pairwise(o.params().subarray(p * dim, (p + 1) * dim), slots[slot], a);
    },
    train: (p) => o.train(p, Math.max(1, Math.ceil(now))),
    model(message) {
      const slot = (message as Envelope).slot;
      if (slot < 0) throw new Error(`async: a request carries no model (from peer ${message.from})`);
      return slots[slot];
    },
  };

  return {
    network,
    protocol,
    async advanceTo(until) {
      while (queue.peekTime() <= until) {
        const e = queue.pop()!;
        now = e.time;
        switch (e.type) {
          case 'wake':
            queue.push({ time: now + network.nextInterval(e.peer), type: 'wake', peer: e.peer });
            if (online[e.peer]) {
              wakeups[e.peer]++;
              await protocol.wake(e.peer, ops);
            }
            break;
          case 'deliver': {
            const m = e.message;
            if (online[m.to]) {
              delivered++;
              await protocol.receive(m, ops);
            } else {
              dropped++; // an offline peer receives nothing
            }
            if (m.slot >= 0) free.push(m.slot);
            break;
          }
          case 'churn':
            online[e.peer] ^= 1;
            queue.push({ time: now + network.spell(e.peer, online[e.peer] === 1), type: 'churn', peer: e.peer });
            break;
        }
      }
      now = until;
      const traffic = { bytes, perPeer, perEdge };
      bytes = 0;
      perPeer = new Float64Array(n);
      perEdge = new Float64Array(topology.neighbors.length);
      return traffic;
    },
    counters() {
      let up = 0;
      for (let p = 0; p < n; p++) up += online[p];
      return { virtualTime: now, messagesSent: sent, messagesDropped: dropped, messagesDelivered: delivered, peersOnline: up };
    },
    peerCounters() {
      return { online: Array.from(online, (b) => b === 1), wakeups: Array.from(wakeups), messagesSent: Array.from(sentBy) };
    },
    snapshot(): DriverState {
      const all = new Float32Array(slots.length * dim);
      slots.forEach((s, i) => all.set(s, i * dim));
      return {
        now, queue: queue.snapshot(), slots: all, slotCount: slots.length, free: free.slice(),
        online: online.slice(), wakeups: wakeups.slice(), sentBy: sentBy.slice(), counts: [sent, dropped, delivered],
        network: network.snapshot(), protocol: protocol.snapshot?.(),
      };
    },
    restore(state) {
      const s = state as DriverState;
      now = s.now;
      queue.restore(s.queue);
      slots.length = 0;
      for (let i = 0; i < s.slotCount; i++) slots.push(s.slots.slice(i * dim, (i + 1) * dim));
      free.splice(0, free.length, ...s.free);
      online.set(s.online);
      wakeups.set(s.wakeups);
      sentBy.set(s.sentBy);
      [sent, dropped, delivered] = s.counts;
      network.restore(s.network);
      if (s.protocol !== undefined) protocol.restore?.(s.protocol);
    },
  };
}
