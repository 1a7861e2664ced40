// The observer of a live run: not part of the learning. It hears every process's round report
// (the consensus distance from the last process of the chain, the traffic from process 0, each
// slice's evaluation) and emits the Engine's very events with the simulator's RoundMetrics, so the
// run writer, the progress display and the live view work unchanged.
import type { ExperimentConfig } from '../config/schema.js';
import { TypedEmitter } from '../engine/emitter.js';
import type { EngineEvents, LiveSummary, RoundMetrics, RunSummary, SetupEvent } from '../engine/events.js';
import { createWorld, type World } from '../engine/setup.js';
import { ConfigError, DivergenceError, PlexusError } from '../errors.js';
import { checkDivergence } from '../metrics/divergence.js';
import { buildSummary } from '../metrics/summary.js';
import { FRAME_KINDS, type Transport } from './transport/types.js';
import { keyOf, Mailbox } from './mailbox.js';
import { bytesFloat64, fromWire, type ReadyMessage, type RoundMessage } from './messages.js';
import { EVAL_FIELDS, sliceOf } from './node.js';
import { liveIssues } from './support.js';
import { answerPings } from './links.js';
import { failureMessage, observerFrameIssue, ProtocolViolation, roundReportIssue } from './frame-checks.js';
import { ObserverRoster } from './observer-roster.js';
import { liveLinks, RoundPeers } from './peer-files.js';

export interface LiveObserverOptions {
  /** the observer's transport: its `self` is `processes` (the nodes are 0..processes-1) */
  transport: Transport;
  processes: number;
  /** the transport's name for summary.json ('libp2p', 'tcp', 'memory') */
  transportName: string;
}

const numbers2 = (x: unknown): x is [number, number] => Array.isArray(x) && x.length === 2 && x.every((v) => typeof v === 'number');

/** The observer stopped the run (Ctrl-C): not a failure. */
class Aborted extends PlexusError {}

export class LiveObserver extends TypedEmitter<EngineEvents> {
  readonly world: World;
  private readonly mailbox: Mailbox;
  private readonly processes: number;
  private readyInfo?: ReadyMessage[];
  private aborted = false;
  private live?: LiveSummary;
  private lastEval?: RoundMetrics;
  /** the evaluation frames' values and the traffic so far: the per-peer lines (shared with each process's own files) */
  private readonly peers: RoundPeers;
  /** who is lost and who rejoined */
  private readonly roster: ObserverRoster;

  private constructor(world: World, private readonly setupMs: number, private readonly o: LiveObserverOptions) {
    super();
    this.world = world;
    this.processes = o.processes;
    this.peers = new RoundPeers(world);
    const slices = Array.from({ length: o.processes }, (_, p) => sliceOf(world.config.peers, o.processes, p));
    this.mailbox = new Mailbox(o.transport, {
      processes: o.processes, uniqueKeys: true,
      frame: (from, f) => observerFrameIssue({ processes: o.processes, rounds: world.config.rounds, slices }, from, f),
    });
    answerPings(this.mailbox);
    this.mailbox.onControl('error', (from, m) => {
      if (m.type !== 'error') return;
      const message = failureMessage(from, m, 'round');
      this.mailbox.fail(m.diverged && m.round !== undefined ? new DivergenceError(m.message, m.round) : new PlexusError(message));
    });
    this.roster = new ObserverRoster({
      mailbox: this.mailbox, transport: o.transport, processes: o.processes, peers: world.config.peers, unit: 'round', warn: (w) => this.emit('warning', w),
    });
  }

  /** Builds the same world as every node (for the set-up event and the summaries) and starts taking frames. */
  static async create(config: ExperimentConfig, o: LiveObserverOptions): Promise<LiveObserver> {
    const t0 = performance.now();
    const issues = liveIssues(config, o.processes);
    if (issues.length > 0) throw new ConfigError(issues, 'Cannot run live');
    if (o.transport.self !== o.processes) throw new ConfigError([`the observer is member ${o.processes} of the transport, not ${o.transport.self}`], 'Cannot run live');
    return new LiveObserver(createWorld(config, 'auto'), performance.now() - t0, o);
  }

  /** Waits until every node has built its world and reported; the set-up is known from then on. */
  async ready(): Promise<void> {
    if (this.readyInfo) return;
    const info = await Promise.all(Array.from({ length: this.processes }, (_, p) => this.mailbox.control(p, 0, 'ready')));
    const { peers } = this.world.config;
    info.forEach((r, p) => {
      const want = sliceOf(peers, this.processes, p);
      if (!numbers2(r.slice) || typeof r.backend !== 'string' || typeof r.kernel !== 'string' || typeof r.setupMs !== 'number') throw new ProtocolViolation(p, 'a ready message without its slice, backend, kernel and set-up time');
      if (r.slice[0] !== want[0] || r.slice[1] !== want[1]) {
        throw new PlexusError(`live: process ${p} hosts peers ${r.slice.join('..')}, not ${want.join('..')}; start every process with the same --processes and config`);
      }
    });
    this.readyInfo = info;
  }

  /** What the run is set up with (the 'setup' event); after ready(). */
  setupInfo(): SetupEvent {
    if (!this.readyInfo) throw new Error('live observer: setupInfo() before ready()');
    const w = this.world;
    const first = this.readyInfo[0];
    return {
      config: w.config, topology: w.topology, mixing: w.mixing,
      spectralGap: w.spectral.gap, slem: w.spectral.slem, spectralExact: w.spectral.exact,
      components: w.components, partition: w.partition, labelCounts: w.labelCounts,
      classes: w.dataset.classes, params: w.state.dim, backend: first.backend, kernel: first.kernel, workers: first.workers,
      evalPeers: w.evalPeers, simdUnavailable: first.simdUnavailable, cluster: w.cluster, adversaries: w.adversaries,
    };
  }

  /** Stops the run after what has arrived: the nodes are told to stop, and run() resolves with aborted: true. */
  abort(): void {
    if (this.aborted || this.roster.finished) return;
    this.aborted = true;
    this.mailbox.fail(new Aborted('interrupted'));
  }

  /** summary.json's live block (after run()). */
  liveSummary(): LiveSummary | undefined {
    return this.live;
  }

  /** Starts the nodes, turns their reports into the Engine's events, and ends the run. */
  async run(): Promise<RunSummary> {
    const { config, components } = this.world;
    const start = performance.now();
    await this.ready();
    this.emit('setup', this.setupInfo());
    this.readyInfo!.forEach((r, p) => r.warning && this.emit('warning', `process ${p}: ${r.warning}`));
    if (components.length > 1) {
      this.emit('warning', `topology is disconnected: ${components.length} components of sizes ${components.join(', ')}; peers in different components never reach consensus`);
    }
    this.roster.started = true;
    await this.broadcast({ type: 'start' });
    const evalDue = (r: number) => r % config.eval.every === 0 || r === config.rounds;
    let last: RoundMetrics | undefined;
    let reports: RoundMessage[] = [];
    try {
      if (config.eval.atStart) {
        ({ metrics: last, reports } = await this.measure(0, true));
        this.emit('round', last);
      }
      for (let r = 1; r <= config.rounds; r++) {
        ({ metrics: last, reports } = await this.measure(r, evalDue(r)));
        this.emit('round', last);
      }
      this.live = await this.collectLinks();
      this.roster.finished = true; // the processes close as they get bye
      await this.broadcast({ type: 'bye' });
    } catch (e) {
      await this.broadcast(e instanceof Aborted ? { type: 'stop', reason: 'the observer was interrupted' } : { type: 'stop', reason: `the run failed: ${(e as Error).message}`, failed: true });
      if (!(e instanceof Aborted)) throw e;
    } finally {
      this.roster.finished = true;
    }
    const first = this.readyInfo![0];
    const max = (f: (r: RoundMessage) => number) => reports.reduce((m, r) => Math.max(m, f(r)), 0);
    const setupMs = this.setupMs + this.readyInfo!.reduce((m, r) => Math.max(m, r.setupMs), 0);
    const w = this.world;
    const summary = buildSummary({
      config, last, lastEval: this.lastEval, rounds: last?.round ?? 0, peerSteps: reports.reduce((s, r) => s + r.peerSteps, 0),
      wallMs: performance.now() - start + setupMs, trainMs: max((r) => r.trainMs), evalMs: max((r) => r.evalMs), setupMs,
      bytesSent: this.peers.traffic.bytes, backend: first.backend, kernel: first.kernel, workers: first.workers, params: w.state.dim,
      spectral: w.spectral, aborted: this.aborted, simdUnavailable: first.simdUnavailable, adversaries: w.adversaries,
    });
    if (this.live) summary.live = this.live;
    this.emit('end', summary);
    return summary;
  }

  private async broadcast(m: Parameters<Mailbox['send']>[2]): Promise<void> {
    await Promise.all(Array.from({ length: this.processes }, (_, p) => this.mailbox.send(p, 0, m).catch(() => undefined)));
  }

  /**
   * One round's metrics from every process's report, built as Engine.measure builds them. After a
   * process is lost, from the live ones: the consensus from the last of the chain they formed, the
   * evaluation over their peers, and how many were online.
   */
  private async measure(round: number, evaluate: boolean): Promise<{ metrics: RoundMetrics; reports: RoundMessage[] }> {
    const P = this.processes;
    // frames from one process come in order: its evaluation, then its report
    const got = await this.roster.gather(round, async (p) => ({
      evals: evaluate ? await this.mailbox.take(p, keyOf(FRAME_KINDS.eval, round)) : undefined,
      report: this.checked(p, round, await this.mailbox.control(p, round, 'round')),
    }));
    const evals = got.map((g) => g?.evals);
    const heard = got.map((g) => g?.report);
    const online = got.flatMap((g, p) => (g ? [p] : []));
    if (online.length === 0) throw new PlexusError(`live: no process reported round ${round}; every process was lost`);
    const reports = online.map((p) => heard[p]!);
    const failing = this.roster.failing || reports.some((r) => r.live);
    const t = reports.find((r) => r.traffic)?.traffic;
    if (round > 0) {
      if (!t && !failing) throw new PlexusError(`live: process 0 reported no traffic for round ${round}`);
      if (t) this.peers.addTraffic(t);
    }
    const last = [...reports].reverse().find((r) => r.consensus);
    if (!last && !failing) throw new PlexusError(`live: process ${P - 1}, the last of the chain, reported no consensus distance for round ${round}`);
    // a round whose chain a loss broke has no consensus (null in metrics.jsonl)
    const consensus = last ? fromWire(last.consensus!.value) : NaN;
    if (last) checkDivergence(round, fromWire(last.consensus!.meanSq), consensus, this.world.state.dim);
    const metrics: RoundMetrics = {
      round, consensusDistance: consensus, bytesSent: this.peers.traffic.bytes, roundSeconds: round === 0 ? 0 : reports.reduce((m, r) => Math.max(m, r.seconds), 0),
    };
    const up = this.roster.peersUp(online);
    if (failing) {
      metrics.peersOnline = up.filter(Boolean).length;
      metrics.processesOnline = online.length;
      metrics.renormalisedPeers = reports.reduce((n, r) => n + (r.renormalised ?? 0), 0);
    }
    if (evaluate) {
      this.peers.clear();
      for (const p of online) {
        const f = evals[p];
        if (f) this.takeEval(p, f.sender, bytesFloat64(f.payload));
      }
      const avg = [...reports].reverse().find((r) => r.averageModel)?.averageModel;
      if (this.world.config.eval.averageModel) {
        if (!avg && !failing) throw new PlexusError(`live: process ${P - 1}, the last of the chain, reported no average model for round ${round}`);
        this.peers.meanEvalOut.set(avg ? [avg.correct, fromWire(avg.lossSum)] : [NaN, NaN]);
      }
      Object.assign(metrics, await this.evaluate(round, failing ? up : undefined));
      this.lastEval = metrics;
    }
    return { metrics, reports };
  }

  /** A node's round report, its shape checked: a malformed one is its sender's protocol violation. */
  private checked(p: number, round: number, m: RoundMessage): RoundMessage {
    const { config, topology } = this.world;
    const issue = roundReportIssue(m as unknown as Record<string, unknown>, round, { peers: config.peers, edges: topology.offsets[config.peers], processes: this.processes });
    if (issue) throw new ProtocolViolation(p, issue);
    return m;
  }

  /** A slice's evaluation frame into the runtime-shaped arrays evaluatePeers reads. */
  private takeEval(p: number, first: number, values: Float64Array): void {
    const [a, b] = sliceOf(this.world.config.peers, this.processes, p);
    if (first !== a || values.length !== (b - a) * EVAL_FIELDS) {
      throw new ProtocolViolation(p, `the evaluation of peers ${first}.. (${values.length} values) where ${a}..${b - 1} (${(b - a) * EVAL_FIELDS} values) were due`);
    }
    this.peers.take(a, values);
  }

  /** Engine.evaluate over the received values: the same summarising code, in peer order; after a loss, over the peers online (`up`). */
  private async evaluate(round: number, up?: boolean[]): Promise<Partial<RoundMetrics>> {
    const e = await this.peers.evaluate(round, { up });
    checkDivergence(round, 0, 0, 1, e.round.meanLoss);
    this.emit('peers', e.peers);
    return e.round;
  }

  /** Every node's link report (after its last round) as summary.json's live block. */
  private async collectLinks(): Promise<LiveSummary> {
    const done = await Promise.all(Array.from({ length: this.processes }, (_, p) => this.roster.unlessLost(() => this.mailbox.control(p, 0, 'done'))));
    const links = done.flatMap((d, from) => (d ? liveLinks(from, d.links, d.roundsSeconds) : []));
    return this.roster.addTo({
      processes: this.processes, transport: this.o.transportName, slices: this.readyInfo!.map((r) => r.slice),
      roundsSeconds: done.map((d) => d?.roundsSeconds ?? NaN), links,
    });
  }

  async close(): Promise<void> {
    this.roster.finished = true;
  }
}
