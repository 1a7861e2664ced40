// One process of a live asynchronous gossip run: the same World as every process, its own slice
// of peers, each waking on its own wall-clock timer (the simulator's clocks: time.period, speed,
// stragglers, clock, in units of `timeScaleMs`) and running the simulator's protocol module
// through AsyncOps whose sends are frames to the target peer's process. Messages are handled one
// at a time, in arrival order, on one lane, as the simulator's event loop handles its events.
import type { ExperimentConfig } from '../../config/schema.js';
import { pairwiseOf } from '../../aggregation/index.js';
import { createNetwork, type Network } from '../../engine/async/network.js';
import { REQUEST_BYTES } from '../../engine/async/driver.js';
import { EventQueue } from '../../engine/async/event-queue.js';
import { createExecutor, type Executor } from '../../engine/executor.js';
import { Runtime, ranges } from '../../engine/runtime.js';
import { createWorld, type World } from '../../engine/setup.js';
import type { TrainSettings } from '../../engine/shared-state.js';
import { ConfigError, DivergenceError, PlexusError } from '../../errors.js';
import { isAsyncDescriptor, protocolOf, type AsyncMessage, type AsyncOps, type AsyncProtocol } from '../../protocol/index.js';
import { FRAME_KINDS, type Frame, type Transport } from '../transport/types.js';
import { keyOf, Mailbox } from '../mailbox.js';
import { ChainReduction } from '../measure.js';
import { distancesTo } from '../reduce.js';
import { float64Bytes, wireNumber, type LinkReport } from '../messages.js';
import { answerPings, LiveStopped, measureRtt } from '../links.js';
import { asError, LiveFailed, RejoinRefused } from '../frame-checks.js';
import { waitLimit, type LiveNodeOptions } from '../node.js';
import { NodeRoster } from '../roster.js';
import { asyncControlFrame, gossipFrame, readGossip, type AsyncRoundMessage, type GossipMessage, type MessageCounts } from './messages.js';
import { asyncLiveIssues, DEFAULT_TIME_SCALE_MS } from './support.js';

/**
 * Values per own peer in an evaluation frame: test correct count, test loss sum, squared distance
 * to the mean, local steps so far, wake-ups, messages sent, online (1) or churned out (0).
 */
export const ASYNC_EVAL_FIELDS = 7;

export interface AsyncLiveNodeOptions {
  /** members 0..processes-1 are the nodes, `processes` the observer */
  transport: Transport;
  processes: number;
  /** wall milliseconds of one virtual time unit (default 100) */
  timeScaleMs?: number;
  /**
   * Emulate the config's network on the sender's side (time.latency, latencySpread, bandwidth as a
   * delay before the frame goes out, time.drop as a seeded loss, by the simulator's own streams):
   * for machines without tc netem. Off: the real network's conditions only.
   */
  emulateNetwork?: boolean;
  backend?: TrainSettings['backend'];
  /**
   * how long to wait for another process's consensus-chain frames (5000 ms by default, plus 1 ms per
   * kB) before pinging it: one that does not answer within as long again is gone on without
   */
  timeoutMs?: number;
  /**
   * this process's own files (src/live/peer-files.ts): each measurement as reported (awaited; on
   * evaluation rounds with the frame sent, and the bytes its peers sent since the last one), and the link report
   */
  onMeasured?: LiveNodeOptions['onMeasured'];
  onDone?: LiveNodeOptions['onDone'];
}

type Tick = { time: number; type: 'wake' | 'churn'; peer: number } | { time: number; type: 'tick'; round: number };

/** A transport whose rows frames go to `rows` and every other frame to whoever calls onFrame (the mailbox). */
function splitRows(t: Transport, rows: (from: number, f: Frame) => void): Transport {
  let rest: ((from: number, f: Frame) => void) | undefined;
  const early: [number, Frame][] = [];
  t.onFrame((from, f) => (f.kind === FRAME_KINDS.rows ? rows(from, f) : rest ? rest(from, f) : early.push([from, f])));
  return {
    self: t.self,
    start: () => t.start(),
    connect: (a) => t.connect(a),
    send: (to, f) => t.send(to, f),
    onFrame(h) {
      rest = h;
      for (const [from, f] of early.splice(0)) h(from, f);
    },
    onDisconnect: (h) => t.onDisconnect(h),
    stats: () => t.stats(),
    close: () => t.close(),
  };
}

/** Counts by measurement unit (a send in unit u happens after the node's measurement u - 1 and before u). */
class Buckets {
  readonly by: Float64Array;
  constructor(units: number) {
    this.by = new Float64Array(units + 2);
  }
  add(unit: number): void {
    this.by[Math.min(unit, this.by.length - 1)]++;
  }
  upTo(unit: number): number {
    let s = 0;
    for (let u = 0; u <= Math.min(unit, this.by.length - 1); u++) s += this.by[u];
    return s;
  }
}

export class AsyncLiveNode {
  readonly world: World;
  readonly slice: [number, number];
  private readonly mailbox: Mailbox;
  private readonly runtime: Runtime;
  private readonly protocol: AsyncProtocol;
  private readonly network: Network;
  private readonly reduction: ChainReduction;
  private readonly owner: Int32Array;
  private readonly observer: number;
  private readonly scale: number;
  private readonly modelBytes: number;
  private readonly pairwise: Exclude<ReturnType<typeof pairwiseOf>, string>;
  private readonly sent: Buckets;
  private readonly dropped: Buckets;
  private readonly delivered: Buckets;
  private readonly wakeups: Float64Array;
  /** this slice's peers online (1) under time.churn's spells, as the simulator's driver keeps them */
  private readonly online: Uint8Array;
  private readonly sentBy: Float64Array;
  private readonly bytesBy: Float64Array;
  /** bytesBy as of the last report (onMeasured gets the difference) */
  private readonly bytesReported: Float64Array;
  /** who is lost, the chain over the live processes, the rejoin handshake */
  private readonly roster: NodeRoster;
  /** set once this process's final counts are sent: losing links is then the others closing */
  private finished = false;
  private observerGone!: () => void;
  private readonly observerLost = new Promise<void>((res) => (this.observerGone = res));
  /** the frames on their way out (emulated delays, sends to the transport) */
  private readonly outgoing = new Set<Promise<void>>();
  private lane: Promise<void> = Promise.resolve();
  private reports: Promise<void> = Promise.resolve();
  private failure?: unknown;
  private start = 0;
  private pausedMs = 0;
  private trainMs = 0;
  private evalMs = 0;
  /** measurements taken: a send now counts in unit ticks + 1 */
  private ticks = 0;
  /** after the last measurement: nothing new is sent, arrivals are counted, not merged */
  private draining = false;
  private stopped = false;
  private wake?: () => void;
  private closed = false;

  private constructor(world: World, private readonly executor: Executor, private readonly info: { backend: string; kernel: string; simdUnavailable?: string },
    private readonly setupMs: number, private readonly o: AsyncLiveNodeOptions) {
    const { config, state } = world;
    const self = o.transport.self;
    this.world = world;
    this.observer = o.processes;
    this.scale = o.timeScaleMs ?? DEFAULT_TIME_SCALE_MS;
    const slices = ranges(config.peers, o.processes);
    this.slice = slices[self];
    this.owner = new Int32Array(config.peers);
    slices.forEach(([a, b], k) => this.owner.fill(k, a, b));
    const transport = splitRows(o.transport, (_from, f) => this.arrive(f));
    // control messages only from who may send them (a 'stop' from the observer alone)
    this.mailbox = new Mailbox(transport, { processes: o.processes });
    answerPings(this.mailbox);
    this.mailbox.onControl('stop', (_from, m) => {
      if (m.type !== 'stop') return;
      this.halt(m.failed ? new LiveFailed(`live: process ${self}: stopped by the observer: ${m.reason}`) : new LiveStopped(m.reason));
      this.roster.members.release();
    });
    o.transport.onDisconnect((p) => {
      if (p === this.observer) {
        this.observerGone();
        if (!this.finished) this.halt(new PlexusError(`live: process ${self}: lost the connection to the observer`));
      } else this.roster.lose(p); // its peers are offline: what is sent to them is dropped, as to an offline peer in the simulator
    });
    const timeoutMs = o.timeoutMs ?? 5000;
    const flush = keyOf(FRAME_KINDS.control, 0, 'async-flush');
    this.roster = new NodeRoster({
      mailbox: this.mailbox, transport: o.transport, processes: o.processes, slices, pingMs: timeoutMs, finished: () => this.finished,
      limit: (_from, key) => (key.startsWith(`${FRAME_KINDS.reduce}/`) ? waitLimit(timeoutMs, state.dim * 8) : key === flush ? timeoutMs : undefined),
    });
    this.runtime = new Runtime({ state, executor, protocol: config.protocol.kind, aggregation: config.aggregation, localSteps: config.train.localSteps, rows: this.slice });
    this.reduction = new ChainReduction(this.mailbox, self, o.processes, config.peers, state.dim, state.memory ? 'simd' : 'js', this.slice[1] - this.slice[0]);
    const d = protocolOf(config.protocol.kind);
    if (!isAsyncDescriptor(d) || config.time.mode !== 'async') throw new ConfigError([`protocol.kind: ${d.kind} is not an asynchronous protocol with time.mode: async`], 'Cannot run live');
    const spec = config.protocol as never;
    this.modelBytes = d.messageBytes(spec, state.dim);
    this.protocol = d.create(spec, { peers: config.peers, seed: config.seed, localSteps: config.train.localSteps });
    this.network = createNetwork(config.time, config.peers, config.seed);
    const pairwise = pairwiseOf(config.aggregation);
    if (typeof pairwise === 'string') throw new ConfigError([`aggregation: ${config.aggregation.kind} ${pairwise}`], 'Cannot run live');
    this.pairwise = pairwise;
    const units = config.rounds;
    this.sent = new Buckets(units);
    this.dropped = new Buckets(units);
    this.delivered = new Buckets(units);
    this.wakeups = new Float64Array(config.peers);
    this.online = new Uint8Array(config.peers).fill(1);
    this.sentBy = new Float64Array(config.peers);
    this.bytesBy = new Float64Array(config.peers);
    this.bytesReported = new Float64Array(config.peers);
  }

  static async create(config: ExperimentConfig, o: AsyncLiveNodeOptions): Promise<AsyncLiveNode> {
    const t0 = performance.now();
    const issues = asyncLiveIssues(config, o.processes, o.timeScaleMs);
    const self = o.transport.self;
    if (!Number.isInteger(self) || self < 0 || self >= o.processes) issues.push(`--index: ${self} is not a process of 0..${o.processes - 1}`);
    if (issues.length > 0) throw new ConfigError(issues, 'Cannot run live');
    const world = createWorld(config, o.backend ?? 'auto');
    // one peer acts at a time, as in the simulator's event loop: inline
    const { executor, ...info } = await createExecutor({ state: world.state, settings: world.settings }, 0);
    return new AsyncLiveNode(world, executor, info, performance.now() - t0, o);
  }

  /** Virtual time now: wall time since the start, evaluation excluded, in units. */
  private now(): number {
    return this.start === 0 ? 0 : (performance.now() - this.start - this.pausedMs) / this.scale;
  }

  private halt(e: unknown): void {
    this.failure ??= e;
    this.stopped = true;
    this.wake?.();
    this.mailbox.fail(e);
  }

  /** Runs `task` after every task before it (wakes, arrivals, measurements): one event at a time. */
  private enqueue(task: () => void | Promise<void>): Promise<void> {
    const p = this.lane.then(() => (this.stopped ? undefined : task()));
    this.lane = p.catch((e) => this.halt(e));
    return p;
  }

  private readonly ops: AsyncOps = this.asyncOps();

  /** The simulator's AsyncOps on this slice: sends become frames, merges the aggregation's pairwise merge. */
  private asyncOps(): AsyncOps {
    const node = this;
    return {
      get peers() {
        return node.world.config.peers;
      },
      get now() {
        return node.now();
      },
      neighbours: (p) => {
        const t = this.world.topology;
        return t.neighbors.subarray(t.offsets[p], t.offsets[p + 1]);
      },
      sendModel: (p, q, age, reply) => this.post({ from: p, to: q, kind: 'model', age, reply }),
      sendRequest: (p, q) => this.post({ from: p, to: q, kind: 'request', age: 0, reply: false }),
      merge: (p, message, a) => {
        const { dim } = this.world.state;
        this.pairwise(this.runtime.params().subarray(p * dim, (p + 1) * dim), this.ops.model(message), a);
      },
      model: (message) => {
        const m = (message as GossipMessage).model;
        if (!m) throw new Error(`live async: a request carries no model (from peer ${message.from})`);
        return m;
      },
      train: async (p) => {
        const t0 = performance.now();
        await this.runtime.train(Math.max(1, Math.ceil(this.now())), [p]);
        this.trainMs += performance.now() - t0;
      },
    };
  }

  /** A message from one of this process's peers: a copy of its row now, lost (emulation), delayed (emulation), then sent. */
  private post(m: GossipMessage): void {
    if (this.draining) return;
    const unit = this.ticks + 1;
    const size = m.kind === 'model' ? this.modelBytes : REQUEST_BYTES;
    this.sent.add(unit);
    this.sentBy[m.from]++;
    this.bytesBy[m.from] += size;
    if (m.kind === 'model') {
      const { dim } = this.world.state;
      m.model = this.runtime.params().slice(m.from * dim, (m.from + 1) * dim);
    }
    if (this.o.emulateNetwork && this.network.dropped(m.from)) {
      this.dropped.add(unit);
      return;
    }
    const frame = gossipFrame(unit, m);
    const delay = this.o.emulateNetwork ? this.network.transit(m.from, m.to, size) * this.scale : 0;
    const out = (delay > 0 ? new Promise<void>((res) => setTimeout(res, delay)) : Promise.resolve()).then(() => this.transmit(frame, unit));
    this.outgoing.add(out);
    void out.finally(() => this.outgoing.delete(out));
  }

  private async transmit(frame: Frame, unit: number): Promise<void> {
    const q = this.owner[frame.receiver];
    if (q === this.o.transport.self) {
      // to a peer of this process: through the lane like any arrival, after the current event
      await new Promise<void>((res) => setImmediate(res));
      this.arrive(frame);
      return;
    }
    if (this.roster.members.lost.has(q)) {
      this.dropped.add(unit);
      return;
    }
    try {
      await this.o.transport.send(q, frame);
    } catch {
      this.roster.lose(q, this.ticks);
      this.dropped.add(unit);
    }
  }

  /** A gossip frame arrived: counted (by its send unit), then handled by the protocol on the lane. */
  private arrive(frame: Frame): void {
    const [a, b] = this.slice;
    if (frame.receiver < a || frame.receiver >= b) {
      this.halt(new PlexusError(`live: process ${this.o.transport.self} got a message for peer ${frame.receiver}, outside its peers ${a}..${b - 1}; do all processes run the same config and --processes?`));
      return;
    }
    let m: GossipMessage;
    try {
      m = readGossip(frame, this.world.state.dim);
    } catch (e) {
      this.halt(e);
      return;
    }
    // an offline peer receives nothing, as in the simulator
    if (!this.online[m.to]) {
      this.dropped.add(frame.round);
      return;
    }
    this.delivered.add(frame.round);
    if (this.draining) return;
    void this.enqueue(() => this.protocol.receive(m as AsyncMessage, this.ops)).catch(() => undefined);
  }

  /** Sleeps until virtual time t (or a stop). */
  private async until(t: number): Promise<void> {
    const wait = this.start + this.pausedMs + t * this.scale - performance.now();
    if (wait <= 0 || this.stopped) return;
    await new Promise<void>((res) => {
      const timer = setTimeout(res, wait);
      this.wake = () => (clearTimeout(timer), res());
    });
    this.wake = undefined;
  }

  /**
   * Waits for the observer's start, runs the peers' clocks until virtual time config.rounds
   * (measuring at every whole unit), drains what is in flight, reports the final counts, and
   * resolves 'done' at the observer's bye, or 'stopped' when the observer stops the run.
   */
  async run(): Promise<'done' | 'stopped'> {
    return this.guard(async () => {
      await this.mailbox.send(this.observer, 0, {
        type: 'ready', backend: this.info.backend, kernel: this.info.kernel, workers: 0, simdUnavailable: this.info.simdUnavailable, setupMs: this.setupMs, slice: this.slice,
      });
      await this.mailbox.control(this.observer, 0, 'start');
      this.start = performance.now();
      return this.clocks(1);
    });
  }

  /**
   * Takes a lost process's place again (this one started anew with its index, its peers from the
   * initial model at age 0): asks the observer who is live (`members`: the bootstrap file's
   * addresses), dials them, and joins at the first whole unit none of them has measured; its clock
   * is set one unit before it, and runs from there as run()'s does.
   */
  async rejoin(members: readonly (readonly string[])[], addresses: string[]): Promise<'done' | 'stopped'> {
    return this.guard(async () => {
      const round = await this.roster.rejoin(members, addresses, (r) => {
        this.start = performance.now() - (r - 1) * this.scale;
        this.ticks = r - 1;
      });
      return this.clocks(round);
    });
  }

  /** A run's body; a failure is told to the observer (it stops the others), a stop by the observer is 'stopped'. */
  private async guard(body: () => Promise<'done'>): Promise<'done' | 'stopped'> {
    try {
      return await body();
    } catch (e) {
      const err = asError(this.failure ?? this.mailbox.failed ?? e);
      if (err instanceof LiveStopped) return 'stopped';
      if (err instanceof RejoinRefused) throw err; // never taken back: nothing of the run to stop
      const message = err.message;
      await this.mailbox.send(this.observer, 0, { type: 'error', message, round: this.ticks, diverged: err instanceof DivergenceError }).catch(() => undefined);
      throw err;
    } finally {
      this.stopped = true;
      this.finished = true;
    }
  }

  /** The peers' clocks from virtual time `first` - 1 (measuring at `first`..rounds), the drain, the final counts and the bye. */
  private async clocks(first: number): Promise<'done'> {
    const { config } = this.world;
    const m = this.mailbox;
    const [a, b] = this.slice;
    const queue = new EventQueue<Tick>();
    for (let p = a; p < b; p++) queue.push({ time: first - 1 + this.network.firstWake(p), type: 'wake', peer: p });
    if (config.time.mode === 'async' && config.time.churn) for (let p = a; p < b; p++) queue.push({ time: this.churnFrom(p, first - 1), type: 'churn', peer: p });
    for (let r = first; r <= config.rounds; r++) queue.push({ time: r, type: 'tick', round: r });
    if (first === 1 && config.eval.atStart) await this.enqueue(() => this.measure(0));
    while (!this.stopped && queue.size > 0) {
      const e = queue.peekTime();
      await this.until(e);
      if (this.stopped) break;
      const ev = queue.pop()!;
      if (ev.type === 'tick') {
        await this.enqueue(() => this.measure(ev.round));
      } else if (ev.type === 'churn') {
        this.online[ev.peer] ^= 1;
        queue.push({ time: ev.time + this.network.spell(ev.peer, this.online[ev.peer] === 1), type: 'churn', peer: ev.peer });
      } else {
        queue.push({ time: ev.time + this.network.nextInterval(ev.peer), type: 'wake', peer: ev.peer });
        // an offline peer's clock runs, but it does nothing
        if (!this.draining && this.online[ev.peer]) {
          await this.enqueue(async () => {
            this.wakeups[ev.peer]++;
            await this.protocol.wake(ev.peer, this.ops);
          });
        }
      }
      if (ev.type === 'tick' && ev.round === config.rounds) break;
    }
    await this.reports;
    if (this.stopped) throw this.failure;
    const seconds = (performance.now() - this.start) / 1000;
    await this.drain();
    const lost = this.roster.members.lost;
    const rtt = await measureRtt(m, this.observer + 1, (q) => !lost.has(q));
    const links: LinkReport[] = this.o.transport.stats().map((s) => ({
      to: s.process, bytesSent: s.bytesSent, bytesReceived: s.bytesReceived, framesSent: s.framesSent, framesReceived: s.framesReceived, rttMs: rtt.get(s.process) ?? null,
    }));
    const all = config.rounds + 1;
    this.o.onDone?.({ links, roundsSeconds: seconds });
    this.finished = true;
    await this.o.transport.send(this.observer, asyncControlFrame(0, {
      type: 'async-final', sent: this.sent.upTo(all), dropped: this.dropped.upTo(all), delivered: this.delivered.upTo(all), links, seconds, peerSteps: this.runtime.peerSteps,
    }));
    await Promise.race([m.control(this.observer, 0, 'bye'), this.observerLost]);
    return 'done';
  }

  /**
   * Peer `p`'s churn state at virtual time `t` by its seeded spells from time 0 (the simulator's
   * schedule, whenever this process started), and the time of its next toggle.
   */
  private churnFrom(p: number, t: number): number {
    this.online[p] = this.network.startsOnline(p) ? 1 : 0;
    let next = this.network.spell(p, this.online[p] === 1);
    while (next <= t) {
      this.online[p] ^= 1;
      next += this.network.spell(p, this.online[p] === 1);
    }
    return next;
  }

  /**
   * Waits for what this process sent to leave, tells every other live node so, and waits for the
   * same from them (or their loss): nothing is then in flight to it.
   */
  private async drain(): Promise<void> {
    while (this.outgoing.size > 0) await Promise.all([...this.outgoing]);
    await this.lane;
    const self = this.o.transport.self;
    const lost = this.roster.members.lost;
    const others = Array.from({ length: this.o.processes }, (_, q) => q).filter((q) => q !== self && !lost.has(q));
    await Promise.all(others.map((q) => this.o.transport.send(q, asyncControlFrame(0, { type: 'async-flush' })).catch(() => this.roster.lose(q, this.ticks))));
    // a lost process's wait rejects (ProcessLost): nothing more comes from it
    await Promise.all(others.map((q) => this.mailbox.take(q, keyOf(FRAME_KINDS.control, 0, 'async-flush')).catch(() => undefined)));
    await this.lane;
  }

  /** Measurement `round` (on the lane): counts, and on evaluation rounds this slice's peers evaluated; the consensus by the chain reduction on a copy of the rows, off the lane. */
  private async measure(round: number): Promise<void> {
    const { config, state, evalPeers, testN } = this.world;
    const [a, b] = this.slice;
    const dim = state.dim;
    this.ticks = round;
    // after the last measurement nothing new is sent (what arrives is counted, not merged)
    if (round === config.rounds) this.draining = true;
    const counts: MessageCounts = { sent: this.sent.upTo(round), dropped: this.dropped.upTo(round), delivered: this.delivered.upTo(round) };
    const rows = this.runtime.params().slice(a * dim, b * dim);
    const evaluate = round === 0 || round % config.eval.every === 0 || round === config.rounds;
    let values: Float64Array | undefined;
    if (evaluate) {
      const t0 = performance.now();
      const own = evalPeers.filter((p) => p >= a && p < b);
      const out = await this.runtime.evaluate(round, own, testN);
      values = new Float64Array((b - a) * ASYNC_EVAL_FIELDS).fill(NaN);
      for (let p = a; p < b; p++) {
        const at = (p - a) * ASYNC_EVAL_FIELDS;
        values[at + 3] = state.stepCount[p];
        values[at + 4] = this.wakeups[p];
        values[at + 5] = this.sentBy[p];
        values[at + 6] = this.online[p];
      }
      for (const p of own) {
        values[(p - a) * ASYNC_EVAL_FIELDS] = out[p * 3];
        values[(p - a) * ASYNC_EVAL_FIELDS + 1] = out[p * 3 + 1];
      }
      const spent = performance.now() - t0;
      this.evalMs += spent;
      // evaluation stops this process's clock, as it stops the simulator's
      if (round > 0) this.pausedMs += spent;
    }
    const msg: AsyncRoundMessage = {
      type: 'async-round', round, ...counts, peerSteps: this.runtime.peerSteps, online: this.online.subarray(a, b).reduce((n, x) => n + x, 0), bytes: Array.from(this.bytesBy.subarray(a, b)),
      seconds: this.start === 0 ? 0 : (performance.now() - this.start) / 1000, trainMs: this.trainMs, evalMs: this.evalMs,
    };
    this.reports = this.reports.then(() => this.report(round, rows, values, msg)).catch((e) => this.halt(e));
  }

  private async report(round: number, rows: Float32Array, values: Float64Array | undefined, msg: AsyncRoundMessage): Promise<void> {
    const [a, b] = this.slice;
    // a lost process rejoining: no report past the unit it may join at until it says which
    await this.roster.members.enter(round);
    const reduced = await this.roster.reduce(round, this.reduction, rows, b - a);
    if (values) {
      const distance = reduced ? distancesTo(rows, b - a, reduced.mean.mean) : new Float64Array(b - a).fill(NaN);
      for (let p = a; p < b; p++) values[(p - a) * ASYNC_EVAL_FIELDS + 2] = distance[p - a];
      await this.o.transport.send(this.observer, { round, sender: a, receiver: -1, kind: FRAME_KINDS.eval, payload: float64Bytes(values) });
    }
    if (reduced?.consensus) msg.consensus = { value: wireNumber(reduced.consensus.value), meanSq: wireNumber(reduced.consensus.meanSq) };
    await this.o.transport.send(this.observer, asyncControlFrame(round, msg));
    if (this.o.onMeasured) {
      const perPeer = new Float64Array(this.world.config.peers);
      msg.bytes.forEach((x, i) => (perPeer[a + i] = x - this.bytesReported[a + i], this.bytesReported[a + i] = x));
      const members = this.roster.members;
      await this.o.onMeasured({ round, values, traffic: { bytes: perPeer.reduce((s, x) => s + x, 0), perPeer }, ...(members.everLost ? { live: members.live() } : {}) });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopped = true;
    this.wake?.();
    await this.executor.close();
  }
}

/**
 * Builds process `transport.self`'s node (it takes frames from then on), lets `connect` start and
 * connect the transport, and runs the node to the end.
 */
export async function runAsyncLiveNode(config: ExperimentConfig, o: AsyncLiveNodeOptions, connect: (node: AsyncLiveNode) => Promise<void>): Promise<'done' | 'stopped'> {
  const node = await AsyncLiveNode.create(config, o);
  try {
    await connect(node);
    return await node.run();
  } finally {
    await node.close();
  }
}
