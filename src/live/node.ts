// One process of a live run: the same World as every other process (built from the config), the
// full parameter buffers, but it trains and mixes only its own slice of peers [a, b). The protocol
// module runs unchanged on a RoundOps whose mix first exchanges rows with the other processes.
import type { ExperimentConfig } from '../config/schema.js';
import { createExecutor, effectiveWorkers, type Executor } from '../engine/executor.js';
import { Runtime, ranges } from '../engine/runtime.js';
import { createWorld, type World } from '../engine/setup.js';
import type { TrainSettings } from '../engine/shared-state.js';
import { ConfigError, DivergenceError, PlexusError, WorkerError } from '../errors.js';
import { isSyncDescriptor, protocolOf, type Protocol, type RoundOps, type SyncProtocolDescriptor, type Traffic } from '../protocol/index.js';
import { FRAME_KINDS, type Transport } from './transport/types.js';
import { Mailbox } from './mailbox.js';
import { Exchanger, neighbourMeans, renormalise, type Skip } from './exchange.js';
import type { Membership } from './membership.js';
import { peersOf, PushSumMass } from './push-sum-mass.js';
import { NodeRoster } from './roster.js';
import { LiveRows } from './row-ops.js';
import { ChainReduction, RowSnapshot, type Reduced } from './measure.js';
import { distancesTo } from './reduce.js';
import { float64Bytes, wireNumber, type LinkReport, type RoundMessage } from './messages.js';
import { liveIssues, liveProtocols } from './support.js';
import { answerPings, measureRtt, LiveStopped } from './links.js';
import { asError, LiveEvicted, RejoinRefused, LiveFailed, nodeFrameIssue, OBSERVER_QUEUE_BYTES, ProtocolViolation, queueLimit } from './frame-checks.js';
import type { MeasuredRound } from './peer-files.js';

/**
 * Values per own peer in an evaluation frame: test correct count, test loss sum, squared distance
 * to the mean, local steps so far, the membership attack's AUC (NaN where not run).
 */
export const EVAL_FIELDS = 5;

export interface LiveNodeOptions {
  /** the transport of this process: members 0..processes-1 are the nodes, `processes` the observer */
  transport: Transport;
  processes: number;
  /** worker threads (0: inline; the default) */
  workers?: number;
  backend?: TrainSettings['backend'];
  /**
   * how long to wait for another process's rows or chain frames (5000 ms by default, plus 1 ms per kB
   * they carry) before pinging it: one that does not answer within as long again is gone on without
   */
  timeoutMs?: number;
  /** this process's own files (src/live/peer-files.ts): each round as reported (awaited), and the link report */
  onMeasured?: (m: MeasuredRound) => void | Promise<void>;
  onDone?: (d: { links: LinkReport[]; roundsSeconds: number }) => void;
}

/** The wait limit for frames of `bytes` bytes: the base timeout plus 1 ms per kB (a slow link is not a dead process). */
export function waitLimit(timeoutMs: number, bytes: number): number {
  return timeoutMs + bytes / 1000;
}

/** The peers [a, b) process k of P hosts: the simulator's row ranges. */
export function sliceOf(peers: number, processes: number, k: number): [number, number] {
  return ranges(peers, processes)[k];
}

/**
 * The protocols whose rows go on mixing over the neighbours that answered when a process is lost
 * (push-sum with its weights over the mass that came: PushSumMass; choco's consensus over the
 * updates that came). FedAvg's server averages the uploads that came (uploads).
 */
const RENORMALISING = new Set(['dpsgd', 'local', 'push-sum', 'choco']);

export class LiveNode {
  readonly world: World;
  readonly slice: [number, number];
  private readonly mailbox: Mailbox;
  private readonly runtime: Runtime;
  private readonly protocol: Protocol;
  private readonly exchanger: Exchanger;
  private readonly reduction: ChainReduction;
  /** the rows a round's chain reads while the next round trains */
  private readonly snapshot = new RowSnapshot();
  /** when the latest round started here */
  private roundStart = 0;
  private readonly ops: RoundOps;
  private readonly observer: number;
  private trainMs = 0;
  private evalMs = 0;
  private closed = false;
  /** set once this process's part is over ('done' sent): losing links is then the others closing */
  private finished = false;
  /** this slice's peers that mixed over fewer neighbours than W gives them, this round */
  private renormalised = 0;
  /** who is lost, the chain over the live processes, the rejoin handshake */
  private readonly roster: NodeRoster;
  /** who takes part in each round (the roster's) */
  private readonly members: Membership;
  /** when this process is the one rejoining: the round it rejoins at */
  private joinRound?: number;
  /** push-sum's weights (debias on): this process's peers', sent with their rows */
  readonly pushSum?: PushSumMass;
  private observerGone!: () => void;
  private readonly observerLost = new Promise<void>((res) => (this.observerGone = res));

  private constructor(
    world: World, private readonly executor: Executor, private readonly info: { backend: string; kernel: string; simdUnavailable?: string; warning?: string },
    private readonly setupMs: number, private readonly o: LiveNodeOptions,
  ) {
    const { config, state } = world;
    const self = o.transport.self;
    this.world = world;
    this.observer = o.processes;
    const slices = ranges(config.peers, o.processes);
    this.slice = slices[self];
    const rowBytes = state.dim * 4;
    this.mailbox = new Mailbox(o.transport, {
      processes: o.processes,
      // a process rejoining at round J hears round J's frames while it replays the rounds before
      frame: (from, f) => nodeFrameIssue({ processes: o.processes, slices, now: () => Math.max(this.members.current, this.joinRound ?? 0) }, from, f),
      // the observer sends control messages only, a few small ones at a time
      maxQueuedBytes: (from) => (from < o.processes ? queueLimit(slices[from], rowBytes) : OBSERVER_QUEUE_BYTES),
    });
    answerPings(this.mailbox);
    // the mailbox takes 'stop' from the observer only (CONTROL_SENDERS)
    this.mailbox.onControl('stop', (_from, m) => {
      if (m.type !== 'stop') return;
      this.mailbox.fail(m.failed ? new LiveFailed(`live: process ${self}: stopped by the observer: ${m.reason}`) : new LiveStopped(m.reason));
      this.members.release();
    });
    o.transport.onDisconnect((p) => {
      // after 'done' the others close as they get 'bye': only the observer's going matters, as a bye
      if (p === this.observer) this.observerGone();
      if (this.finished) return;
      if (p === this.observer) this.mailbox.fail(new PlexusError(`live: process ${self}: lost the connection to the observer`));
      else this.roster.lose(p);
    });
    const timeoutMs = o.timeoutMs ?? 5000;
    this.roster = new NodeRoster({
      mailbox: this.mailbox, transport: o.transport, processes: o.processes, slices, pingMs: timeoutMs, finished: () => this.finished,
      evicted: (by, round) => this.mailbox.fail(new LiveEvicted(`live: process ${self}: process ${by} went on without this one at round ${round} (it heard nothing from it in time, or its connection closed); start it again with --rejoin to take part again`)),
      limit: (from, key) => {
        if (key.startsWith(`${FRAME_KINDS.rows}/`) || key.startsWith(`${FRAME_KINDS.update}/`)) return waitLimit(timeoutMs, rowBytes * (slices[from][1] - slices[from][0]));
        if (key.startsWith(`${FRAME_KINDS.reduce}/`)) return waitLimit(timeoutMs, rowBytes * 2);
        return undefined;
      },
    });
    this.members = this.roster.members;
    this.runtime = new Runtime({
      state, executor, protocol: config.protocol.kind, aggregation: config.aggregation, localSteps: config.train.localSteps, rows: this.slice,
    });
    this.exchanger = new Exchanger(this.mailbox, slices, self, state.dim);
    this.reduction = new ChainReduction(this.mailbox, self, o.processes, config.peers, state.dim, state.memory ? 'simd' : 'js', this.slice[1] - this.slice[0]);
    const d = protocolOf(config.protocol.kind);
    if (!isSyncDescriptor(d)) throw new ConfigError([`protocol.kind: ${d.kind} is asynchronous; live mode runs ${liveProtocols()}`], 'Cannot run live');
    const spec = config.protocol as never;
    this.protocol = d.create(spec, { topology: world.topology, mixing: world.mixing, schedule: world.schedule, seed: config.seed, messageBytes: d.messageBytes(spec, state.dim) });
    if (config.protocol.kind === 'push-sum' && config.protocol.debias) this.pushSum = new PushSumMass(this.runtime.ops.scalars('weight'), this.slice);
    this.ops = this.liveOps(d);
  }

  /** Builds the world and the executor, and starts taking this process's frames (before the transport connects). */
  static async create(config: ExperimentConfig, o: LiveNodeOptions): Promise<LiveNode> {
    const t0 = performance.now();
    const issues = liveIssues(config, o.processes);
    if (issues.length > 0) throw new ConfigError(issues, 'Cannot run live');
    const self = o.transport.self;
    if (!Number.isInteger(self) || self < 0 || self >= o.processes) throw new ConfigError([`--index: ${self} is not a process of 0..${o.processes - 1}`], 'Cannot run live');
    const backend = o.backend ?? 'auto';
    // as Engine.create: tfjs-node breaks in several worker threads, so such a kernel runs inline
    const decision = effectiveWorkers(o.workers ?? 0, config.model.path, backend);
    const world = createWorld(config, backend);
    const { executor, ...info } = await createExecutor({ state: world.state, settings: world.settings }, decision.workers);
    return new LiveNode(world, executor, { ...info, warning: decision.warning }, performance.now() - t0, o);
  }

  /** The simulator's primitives on this slice; mix (and trainThenMix) exchange rows first. */
  private liveOps(protocol: SyncProtocolDescriptor): RoundOps {
    const base = this.runtime.ops;
    const [a, b] = this.slice;
    const skip = (round: number): Skip => ({
      // processes admitted for a later round are not in this one; one admitted for this round sends nothing yet
      send: (q: number) => this.joinRound === round || this.members.notYetIn(q, round),
      receive: (q: number) => this.members.silentIn(q, round),
    });
    // the round this process rejoins at: its peers take their live neighbours' rows instead of mixing
    const mixOrAdopt = async (round: number, w: Parameters<RoundOps['mix']>[1]) => {
      // a sender splits its mass over the processes it sends to (one rejoining at this round included: it listens)
      this.pushSum?.share(this.world.schedule.at(round).mixing, peersOf(this.exchanger.slices, this.members.unreached(round)));
      const missing = await this.exchanger.mix(round, w, this.runtime.params(), skip(round), this.pushSum?.shares);
      if (this.joinRound === round) this.adopt(round, w, missing);
      else await base.mix(round, this.without(round, w, missing));
      this.pushSum?.publish(base.scalars('weight'));
    };
    const everyone = Array.from({ length: base.peers }, (_, i) => i);
    const { state, config } = this.world;
    const rows = new LiveRows({
      descriptor: protocol, base: base.rows, exchanger: this.exchanger, slice: this.slice,
      plan: this.exchanger.plan(this.world.mixing), peers: base.peers, dim: base.dim, seed: config.seed, params: () => this.runtime.params(),
      buffers: state.buffers, skip, joining: (round) => this.joinRound === round, without: (round, w, missing) => this.without(round, w, missing),
    });
    return {
      peers: base.peers,
      dim: base.dim,
      vectorBytes: base.vectorBytes,
      scalars: (name) => base.scalars(name),
      train: (round, peers) => this.runtime.train(round, peers?.filter((p) => p >= a && p < b)),
      mix: mixOrAdopt,
      trainThenMix: async (round, w) => {
        await this.runtime.train(round);
        await mixOrAdopt(round, w);
      },
      // every process gathers the averaged rows and takes the same mean (FedAvg's server, replicated)
      averageAll: async (round, peers) => {
        const missing = await this.exchanger.gather(round, peers ?? everyone, this.runtime.params(), skip(round));
        const uploads = this.uploads(round, peers ?? everyone, missing);
        if (uploads.length > 0) await base.averageAll(round, uploads === everyone ? peers : uploads);
      },
      rows: (round, op, args) => rows.run(round, op, args),
    };
  }

  /**
   * W for this round's mix: W itself when every row came; else (dpsgd, local) each own row
   * renormalised over the neighbours that answered, counted in `renormalised`.
   */
  private without(round: number, w: Parameters<RoundOps['mix']>[1], missing: number[]): Parameters<RoundOps['mix']>[1] {
    this.renormalised = 0;
    const gone = new Set([...missing, ...this.members.absent(round)]);
    const dead = peersOf(this.exchanger.slices, gone);
    if (this.pushSum) {
      // with or without a loss: the simulator's arithmetic when every share came
      const mixed = this.pushSum.mix(round, (j) => !dead(j));
      this.renormalised = mixed.rows;
      return mixed.w;
    }
    if (gone.size === 0) return w;
    const renormalised = renormalise(w, this.slice, dead);
    if (renormalised.rows === 0) return w;
    if (!RENORMALISING.has(this.world.config.protocol.kind)) throw this.cannotGoOn(round, [...gone]);
    this.renormalised = renormalised.rows;
    return renormalised.w;
  }

  /**
   * FedAvg's server (replicated) averages the uploads of `chosen` that came: without the peers of
   * processes lost or silent this round (of this one too, the round it rejoins at: its models are
   * fresh); each own peer then counts as renormalised. In the round a loss is found, a process that
   * still got the lost one's rows averages them in, so the copies may differ for that round; from
   * the next every process averages the same uploads, and they agree again.
   */
  private uploads(round: number, chosen: number[], missing: number[]): number[] {
    this.renormalised = 0;
    const gone = [...missing, ...this.members.absent(round), ...(this.joinRound === round ? [this.o.transport.self] : [])];
    if (gone.length === 0) return chosen;
    const dead = peersOf(this.exchanger.slices, gone);
    const came = chosen.filter((p) => !dead(p));
    if (came.length < chosen.length) this.renormalised = this.slice[1] - this.slice[0];
    return came;
  }

  /** A rejoining process's peers take the mean of their live neighbours' rows (neighbourMeans), and push-sum weights likewise. */
  private adopt(round: number, w: Parameters<RoundOps['mix']>[1], missing: number[]): void {
    const dead = peersOf(this.exchanger.slices, new Set([...missing, ...this.members.lost]));
    neighbourMeans(w, this.runtime.params(), this.world.state.dim, this.slice, (j) => !dead(j));
    this.pushSum?.adopt(round, (j) => !dead(j));
  }

  private cannotGoOn(round: number, lost: number[]): PlexusError {
    const kind = this.world.config.protocol.kind;
    return new PlexusError(`live: round ${round}: ${kind} cannot go on without process${lost.length > 1 ? 'es' : ''} ${lost.join(', ')} (its row operations need every peer); ${[...RENORMALISING].join(', ')} mix over the neighbours that answered, fedavg's server averages the uploads that came`);
  }

  /**
   * Runs every round in step with the other processes, reporting to the observer; resolves 'done'
   * when the observer says bye, or 'stopped' when it stops the run (interrupted, or another process failed).
   */
  async run(): Promise<'done' | 'stopped'> {
    return this.guard(async () => {
      await this.mailbox.send(this.observer, 0, {
        type: 'ready', backend: this.info.backend, kernel: this.info.kernel, workers: this.executor.workers,
        simdUnavailable: this.info.simdUnavailable, setupMs: this.setupMs, slice: this.slice, ...(this.info.warning ? { warning: this.info.warning } : {}),
      });
      await this.mailbox.control(this.observer, 0, 'start');
      return this.rounds(1);
    });
  }

  /**
   * Takes a lost process's place again (this one started anew with its index): asks the observer
   * who is live (`members`: the bootstrap file's addresses), dials them, and joins at the first round
   * none of them has started; runs from there as run() does.
   */
  async rejoin(members: readonly (readonly string[])[], addresses: string[]): Promise<'done' | 'stopped'> {
    return this.guard(async () => {
      const round = await this.roster.rejoin(members, addresses, (r) => (this.joinRound = r));
      await this.replay(round);
      return this.rounds(round);
    });
  }

  /**
   * The protocol's own state at round `round` for a process rejoining there: the rounds before it
   * replayed on operations that do nothing, so what it draws each round (FedAvg's sample) is what
   * the others draw.
   */
  private async replay(round: number): Promise<void> {
    const base = this.runtime.ops;
    const none = () => Promise.resolve();
    const idle: RoundOps = { peers: base.peers, dim: base.dim, vectorBytes: base.vectorBytes, scalars: (name) => base.scalars(name), train: none, mix: none, trainThenMix: none, averageAll: none, rows: none };
    for (let r = 1; r < round; r++) await this.protocol.round(idle, r);
  }

  /** A run's body; a failure is told to the observer (it stops the others), a stop by the observer is 'stopped'. */
  private async guard(body: () => Promise<'done'>): Promise<'done' | 'stopped'> {
    try {
      return await body();
    } catch (e) {
      this.finished = true;
      if (e instanceof LiveStopped) return 'stopped';
      // the first failure is the cause (a lost observer, a member breaking the protocol): what it broke afterwards is not
      const cause = this.mailbox.failed instanceof PlexusError && !(this.mailbox.failed instanceof LiveStopped) ? this.mailbox.failed : asError(e);
      // the others go on without this process, or never took it back: nothing to stop
      if (cause instanceof LiveEvicted || cause instanceof RejoinRefused) throw cause;
      const diverged = cause instanceof DivergenceError;
      const round = this.members.current;
      const culprit = cause instanceof ProtocolViolation ? { culprit: cause.process } : {};
      await this.mailbox.send(this.observer, 0, { type: 'error', message: cause.message, round: cause instanceof WorkerError ? (cause.round ?? round) : round, diverged, ...culprit }).catch(() => undefined);
      throw cause;
    }
  }

  /**
   * Rounds `first`..rounds in step with the others, then the link report and the observer's bye.
   * A round's consensus chain runs on a copy of its rows beside the next round's training and
   * exchange (one chain at a time); an evaluation round is measured before the next one starts.
   */
  private async rounds(first: number): Promise<'done'> {
    const { config } = this.world;
    const m = this.mailbox;
    const evalDue = (r: number) => r % config.eval.every === 0 || r === config.rounds;
    const start = performance.now();
    if (first === 1 && config.eval.atStart) await this.measure(0, true, 0);
    let measuring: Promise<void> | undefined;
    for (let round = first; round <= config.rounds; round++) {
      // a lost process rejoining: no round past the one it may join at until it says which
      await this.members.enter(round);
      const t0 = performance.now();
      this.roundStart = t0;
      const traffic = await this.protocol.round(this.ops, round);
      this.trainMs += performance.now() - t0;
      await measuring;
      measuring = this.measure(round, evalDue(round), t0, traffic);
      // its failure is thrown where it is awaited (above, or below), not as an unhandled rejection meanwhile
      measuring.catch(() => undefined);
      if (evalDue(round)) await measuring;
    }
    await measuring;
    const roundsSeconds = (performance.now() - start) / 1000;
    const rtt = await measureRtt(m, this.observer + 1, (q) => !this.members.lost.has(q));
    const links: LinkReport[] = this.o.transport.stats().map((s) => ({
      to: s.process, bytesSent: s.bytesSent, bytesReceived: s.bytesReceived, framesSent: s.framesSent, framesReceived: s.framesReceived, rttMs: rtt.get(s.process) ?? null,
    }));
    this.finished = true;
    this.o.onDone?.({ links, roundsSeconds });
    await m.send(this.observer, 0, { type: 'done', links, roundsSeconds });
    await Promise.race([m.control(this.observer, 0, 'bye'), this.observerLost]);
    return 'done';
  }

  /**
   * The round's consensus by the chain reduction; on evaluation rounds, this slice's peers evaluated
   * and their distances (the caller awaits those before the next round changes the parameters).
   * What the next round changes is taken before the first await: the rows (a copy), the counts.
   */
  private async measure(round: number, evaluate: boolean, t0: number, traffic?: Traffic): Promise<void> {
    const { state, evalPeers, testN } = this.world;
    const [a, b] = this.slice;
    const dim = state.dim;
    const rows = this.snapshot.take(this.runtime.params().subarray(a * dim, b * dim));
    const msg: RoundMessage = { type: 'round', round, peerSteps: this.runtime.peerSteps, seconds: 0, trainMs: this.trainMs, evalMs: this.evalMs };
    const renormalised = this.renormalised;
    const reduced = await this.reduce(round, rows);
    let average: RoundMessage['averageModel'];
    let frame: Float64Array | undefined;
    if (evaluate) {
      const te = performance.now();
      const own = evalPeers.filter((p) => p >= a && p < b);
      const out = await this.runtime.evaluate(round, own, testN);
      const distance = reduced ? distancesTo(rows, b - a, reduced.mean.mean) : new Float64Array(b - a).fill(NaN);
      const values = (frame = new Float64Array((b - a) * EVAL_FIELDS).fill(NaN));
      for (let p = a; p < b; p++) {
        const at = (p - a) * EVAL_FIELDS;
        values[at + 2] = distance[p - a];
        values[at + 3] = state.stepCount[p];
      }
      for (const p of own) {
        values[(p - a) * EVAL_FIELDS] = out[p * 3];
        values[(p - a) * EVAL_FIELDS + 1] = out[p * 3 + 1];
      }
      if (this.world.config.eval.privacy) {
        const auc = await this.runtime.membershipAuc(round, own, testN);
        own.forEach((p, k) => (values[(p - a) * EVAL_FIELDS + 4] = auc[k]));
      }
      average = reduced ? await this.averageModel(round, rows).catch((e) => this.roster.chainFailed(round, e)) : undefined;
      await this.mailbox.transport.send(this.observer, { round, sender: a, receiver: -1, kind: FRAME_KINDS.eval, payload: float64Bytes(values) });
      this.evalMs += performance.now() - te;
      msg.evalMs = this.evalMs;
    }
    // from this round's start to the next one's (which starts while this chain runs), or to now
    if (round > 0) msg.seconds = ((this.roundStart > t0 ? this.roundStart : performance.now()) - t0) / 1000;
    // who is live after the chain (a process lost during it sends no report: the next live one reports the traffic), but not one admitted for a later round
    const live = this.members.live().filter((k) => !this.members.notYetIn(k, round));
    if (this.members.everLost) Object.assign(msg, { renormalised, live });
    const t = traffic && (this.members.everLost ? this.sentByLive(traffic, live) : traffic);
    if (this.o.transport.self === live[0] && t) {
      msg.traffic = { bytes: t.bytes, perPeer: Array.from(t.perPeer), ...(t.perEdge ? { perEdge: Array.from(t.perEdge) } : {}) };
    }
    if (reduced?.consensus) msg.consensus = { value: wireNumber(reduced.consensus.value), meanSq: wireNumber(reduced.consensus.meanSq) };
    if (average) msg.averageModel = average;
    await this.mailbox.send(this.observer, round, msg);
    await this.o.onMeasured?.({ round, values: frame, traffic: t, ...(this.members.everLost ? { live } : {}) });
  }

  /** The protocol's traffic of the round without what the peers of processes not in it (`live`) would have sent. */
  private sentByLive(traffic: Traffic, live: number[]): Traffic {
    const perPeer = traffic.perPeer.slice();
    const perEdge = traffic.perEdge?.slice();
    const { offsets } = this.world.topology;
    let bytes = traffic.bytes;
    this.exchanger.slices.forEach(([a, b], p) => {
      if (live.includes(p)) return;
      for (let i = a; i < b; i++) {
        bytes -= perPeer[i];
        perPeer[i] = 0;
        perEdge?.fill(0, offsets[i], offsets[i + 1]);
      }
    });
    return { bytes, perPeer, ...(perEdge ? { perEdge } : {}) };
  }

  /** The round's chain over the live processes, or undefined when a process was lost during it (no consensus this round). */
  private reduce(round: number, rows: Float32Array): Promise<Reduced | undefined> {
    return this.roster.reduce(round, this.reduction, rows, this.slice[1] - this.slice[0]);
  }

  /** With eval.averageModel: the mean of every row by the chain, evaluated on the last process (as evaluateAverageModel, no adversaries). */
  private async averageModel(round: number, rows: Float32Array): Promise<RoundMessage['averageModel']> {
    if (!this.world.config.eval.averageModel) return undefined;
    const [a, b] = this.slice;
    const mean = await this.reduction.averageModel(round, rows, b - a);
    if (!mean) return undefined;
    this.world.state.meanF32.set(mean.meanF32);
    const out = await this.runtime.evaluateMean(round, this.world.testN);
    return { correct: out[0], lossSum: wireNumber(out[1]) };
  }

  /** Wall milliseconds this process spent exchanging rows and in the reduction. */
  networkMs(): { exchange: number; reduce: number } {
    return { exchange: this.exchanger.ms, reduce: this.reduction.ms };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.executor.close();
  }
}
