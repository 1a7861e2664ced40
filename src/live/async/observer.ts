// The observer of a live asynchronous gossip run, outside the learning: at every whole unit of
// virtual time it gathers each process's counts (and, on evaluation rounds, its peers'
// evaluations), the consensus distance from the last process of the chain reduction, and emits
// the Engine's events with the simulator's async-mode RoundMetrics (virtualTime, messages, peers online).
import type { ExperimentConfig } from '../../config/schema.js';
import { TypedEmitter } from '../../engine/emitter.js';
import type { EngineEvents, LiveSummary, RoundMetrics, RunSummary, SetupEvent } from '../../engine/events.js';
import { createWorld, type World } from '../../engine/setup.js';
import { ConfigError, DivergenceError, PlexusError } from '../../errors.js';
import { checkDivergence } from '../../metrics/divergence.js';
import { buildSummary } from '../../metrics/summary.js';
import { FRAME_KINDS, type Transport } from '../transport/types.js';
import { keyOf, Mailbox } from '../mailbox.js';
import { bytesFloat64, fromWire, type ReadyMessage } from '../messages.js';
import { answerPings } from '../links.js';
import { failureMessage } from '../frame-checks.js';
import { ObserverRoster } from '../observer-roster.js';
import { sliceOf } from '../node.js';
import { liveLinks } from '../peer-files.js';
import { ASYNC_EVAL_FIELDS } from './node.js';
import { AsyncRoundPeers } from './peer-line.js';
import { readAsyncControl, type AsyncControl, type AsyncRoundMessage, type MessageCounts } from './messages.js';
import { asyncLiveIssues, DEFAULT_TIME_SCALE_MS } from './support.js';

export interface AsyncObserverOptions {
  /** the observer's transport: its `self` is `processes` */
  transport: Transport;
  processes: number;
  transportName: string;
  /** as the nodes' (for the set-up checks and the summary) */
  timeScaleMs?: number;
  emulateNetwork?: boolean;
}

/** Cumulative counts of one process. */
type Counts = MessageCounts & { peerSteps: number };
const COUNT_KEYS = ['sent', 'dropped', 'delivered', 'peerSteps'] as const;

/** The observer stopped the run (Ctrl-C): not a failure. */
class Aborted extends PlexusError {}

export class AsyncLiveObserver extends TypedEmitter<EngineEvents> {
  readonly world: World;
  private readonly mailbox: Mailbox;
  /** the evaluation frames and the traffic, as the peers.jsonl line is built from them */
  private readonly peers: AsyncRoundPeers;
  private readonly processes: number;
  private readyInfo?: ReadyMessage[];
  private aborted = false;
  private live?: LiveSummary;
  private lastEval?: RoundMetrics;
  /** cumulative bytes per peer as last reported */
  private readonly bytes: Float64Array;
  /** who is lost and who rejoined */
  private readonly roster: ObserverRoster;
  /** each process's cumulative counts as last reported, and those of the processes it replaced (a rejoined one counts from 0) */
  private readonly counts: Counts[];
  private readonly banked: Counts = { sent: 0, dropped: 0, delivered: 0, peerSteps: 0 };

  private constructor(world: World, private readonly setupMs: number, private readonly o: AsyncObserverOptions) {
    super();
    const n = world.config.peers;
    this.world = world;
    this.processes = o.processes;
    this.peers = new AsyncRoundPeers(world);
    this.bytes = new Float64Array(n);
    this.mailbox = new Mailbox(o.transport, { processes: o.processes });
    answerPings(this.mailbox);
    this.mailbox.onControl('error', (from, m) => {
      if (m.type !== 'error') return;
      const message = failureMessage(from, m, 'time');
      this.mailbox.fail(m.diverged && m.round !== undefined ? new DivergenceError(m.message, m.round) : new PlexusError(message));
    });
    this.counts = Array.from({ length: o.processes }, () => ({ sent: 0, dropped: 0, delivered: 0, peerSteps: 0 }));
    this.roster = new ObserverRoster({
      mailbox: this.mailbox, transport: o.transport, processes: o.processes, peers: n, unit: 'time', warn: (w) => this.emit('warning', w),
      onAdmit: (p) => {
        // the process started again: its counters and its peers' bytes count from 0
        const c = this.counts[p];
        for (const k of COUNT_KEYS) this.banked[k] += c[k], c[k] = 0;
        const [a, b] = sliceOf(n, o.processes, p);
        this.bytes.fill(0, a, b);
      },
    });
  }

  static async create(config: ExperimentConfig, o: AsyncObserverOptions): Promise<AsyncLiveObserver> {
    const t0 = performance.now();
    const issues = asyncLiveIssues(config, o.processes, o.timeScaleMs);
    if (o.transport.self !== o.processes) issues.push(`the observer is member ${o.processes} of the transport, not ${o.transport.self}`);
    if (issues.length > 0) throw new ConfigError(issues, 'Cannot run live');
    return new AsyncLiveObserver(createWorld(config, 'auto'), performance.now() - t0, o);
  }

  async ready(): Promise<void> {
    if (this.readyInfo) return;
    const info = await Promise.all(Array.from({ length: this.processes }, (_, p) => this.mailbox.control(p, 0, 'ready')));
    info.forEach((r, p) => {
      const want = sliceOf(this.world.config.peers, this.processes, p);
      if (r.slice[0] !== want[0] || r.slice[1] !== want[1]) {
        throw new PlexusError(`live: process ${p} hosts peers ${r.slice.join('..')}, not ${want.join('..')}; start every process with the same --processes and config`);
      }
    });
    this.readyInfo = info;
  }

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

  abort(): void {
    if (this.aborted || this.roster.finished) return;
    this.aborted = true;
    this.mailbox.fail(new Aborted('interrupted'));
  }

  liveSummary(): LiveSummary | undefined {
    return this.live;
  }

  private async take<T extends AsyncControl['type']>(p: number, round: number, type: T): Promise<Extract<AsyncControl, { type: T }>> {
    return readAsyncControl<T>(await this.mailbox.take(p, keyOf(FRAME_KINDS.control, round, type)));
  }

  async run(): Promise<RunSummary> {
    const { config, components } = this.world;
    const t = config.time;
    const start = performance.now();
    await this.ready();
    this.emit('setup', this.setupInfo());
    const scale = this.o.timeScaleMs ?? DEFAULT_TIME_SCALE_MS;
    if (t.mode === 'async' && (t.latency > 0 || t.drop > 0 || t.bandwidth)) {
      this.emit('warning', this.o.emulateNetwork
        ? `time.latency, latencySpread, bandwidth and drop are emulated by the senders (one time unit = ${scale} ms), on top of the real network's own`
        : 'time.latency, bandwidth and drop are the simulator\'s network model: a live run meets the real network\'s conditions instead (emulate them with --emulate-network)');
    }
    if (components.length > 1) this.emit('warning', `topology is disconnected: ${components.length} components of sizes ${components.join(', ')}`);
    this.roster.started = true;
    await this.broadcast({ type: 'start' });
    let last: RoundMetrics | undefined;
    let final: (Extract<AsyncControl, { type: 'async-final' }> | undefined)[] = [];
    let reports: AsyncRoundMessage[] = [];
    try {
      for (let r = config.eval.atStart ? 0 : 1; r <= config.rounds; r++) {
        ({ metrics: last, reports } = await this.measure(r, r === 0 || r % config.eval.every === 0 || r === config.rounds));
        this.emit('round', last);
      }
      final = await Promise.all(Array.from({ length: this.processes }, (_, p) => this.roster.unlessLost(() => this.take(p, 0, 'async-final'))));
      this.live = this.linksOf(final);
      this.roster.finished = true; // the processes close as they get bye
      await this.broadcast({ type: 'bye' });
    } catch (e) {
      await this.broadcast(e instanceof Aborted ? { type: 'stop', reason: 'the observer was interrupted' } : { type: 'stop', reason: `the run failed: ${(e as Error).message}`, failed: true });
      if (!(e instanceof Aborted)) throw e;
    } finally {
      this.roster.finished = true;
    }
    const first = this.readyInfo![0];
    const max = (f: (r: AsyncRoundMessage) => number) => reports.reduce((m, r) => Math.max(m, f(r)), 0);
    const setupMs = this.setupMs + this.readyInfo!.reduce((m, r) => Math.max(m, r.setupMs), 0);
    // a process lost at the end counts what it last reported
    const total = this.totals(final.length > 0 ? final : undefined);
    const counters = final.length > 0
      ? { virtualTime: config.rounds, messagesSent: total.sent, messagesDropped: total.dropped, messagesDelivered: total.delivered }
      : last && { virtualTime: last.virtualTime ?? 0, messagesSent: last.messagesSent ?? 0, messagesDropped: last.messagesDropped ?? 0, messagesDelivered: last.messagesDelivered ?? 0 };
    const w = this.world;
    const summary = buildSummary({
      config, last, lastEval: this.lastEval, rounds: last?.round ?? 0,
      peerSteps: total.peerSteps,
      wallMs: performance.now() - start + setupMs, trainMs: max((r) => r.trainMs), evalMs: max((r) => r.evalMs), setupMs,
      bytesSent: this.peers.traffic.bytes, backend: first.backend, kernel: first.kernel, workers: first.workers, params: w.state.dim,
      spectral: w.spectral, aborted: this.aborted, counters, simdUnavailable: first.simdUnavailable, adversaries: w.adversaries,
    });
    if (this.live) summary.live = this.live;
    this.emit('end', summary);
    return summary;
  }

  /** Every process's cumulative counts (`latest` where given, else as last reported) and those of the processes rejoined ones replaced. */
  private totals(latest?: readonly (Counts | undefined)[]): Counts {
    const t = { ...this.banked };
    this.counts.forEach((c, p) => {
      const x = latest?.[p] ?? c;
      for (const k of COUNT_KEYS) t[k] += x[k];
    });
    return t;
  }

  private async broadcast(m: Parameters<Mailbox['send']>[2]): Promise<void> {
    await Promise.all(Array.from({ length: this.processes }, (_, p) => this.mailbox.send(p, 0, m).catch(() => undefined)));
  }

  /** Virtual time `round`'s metrics from every process's report, shaped as the simulator's async mode writes them. */
  private async measure(round: number, evaluate: boolean): Promise<{ metrics: RoundMetrics; reports: AsyncRoundMessage[] }> {
    const P = this.processes;
    // frames from one process come in order: its evaluation, then its report
    const heard = await this.roster.gather(round, async (p) => ({
      evals: evaluate ? await this.mailbox.take(p, keyOf(FRAME_KINDS.eval, round)) : undefined,
      report: await this.take(p, round, 'async-round'),
    }));
    const online = heard.flatMap((h, p) => (h ? [p] : []));
    if (online.length === 0) throw new PlexusError(`live: no process reported time ${round}; every process was lost`);
    const reports = online.map((p) => heard[p]!.report);
    const n = this.world.config.peers;
    const perPeer = new Float64Array(n);
    for (const p of online) {
      const r = heard[p]!.report;
      const [a] = sliceOf(n, P, p);
      r.bytes.forEach((b, i) => {
        perPeer[a + i] = b - this.bytes[a + i];
        this.bytes[a + i] = b;
      });
      Object.assign(this.counts[p], { sent: r.sent, dropped: r.dropped, delivered: r.delivered, peerSteps: r.peerSteps });
    }
    this.peers.traffic.add({ bytes: perPeer.reduce((s, b) => s + b, 0), perPeer });
    const failing = this.roster.failing;
    const c = [...reports].reverse().find((r) => r.consensus)?.consensus;
    if (!c && !failing) throw new PlexusError(`live: process ${P - 1}, the last of the chain, reported no consensus distance for time ${round}`);
    // a measurement whose chain a loss broke has no consensus (null in metrics.jsonl)
    const consensus = c ? fromWire(c.value) : NaN;
    if (c) checkDivergence(round, fromWire(c.meanSq), consensus, this.world.state.dim);
    const total = this.totals();
    const metrics: RoundMetrics = {
      round, consensusDistance: consensus, bytesSent: this.peers.traffic.bytes, roundSeconds: round === 0 ? 0 : reports.reduce((m, r) => Math.max(m, r.seconds), 0),
      virtualTime: round, messagesSent: total.sent, messagesDropped: total.dropped, messagesDelivered: total.delivered, peersOnline: reports.reduce((s, r) => s + r.online, 0),
    };
    const up = this.roster.peersUp(online);
    if (failing) metrics.processesOnline = online.length;
    if (evaluate) {
      this.peers.clear();
      for (const p of online) {
        const f = heard[p]!.evals!;
        this.takeEval(p, f.sender, bytesFloat64(f.payload));
      }
      Object.assign(metrics, await this.evaluate(round, up));
      this.lastEval = metrics;
    }
    return { metrics, reports };
  }

  private takeEval(p: number, first: number, values: Float64Array): void {
    const [a, b] = sliceOf(this.world.config.peers, this.processes, p);
    if (first !== a || values.length !== (b - a) * ASYNC_EVAL_FIELDS) {
      throw new PlexusError(`live: process ${p} sent the evaluation of peers ${first}.. (${values.length} values) where ${a}..${b - 1} were due`);
    }
    this.peers.take(a, values);
  }

  /** The evaluation summary and the 'peers' event over what the processes up (`up`) sent (AsyncRoundPeers). */
  private async evaluate(round: number, up: boolean[]): Promise<Partial<RoundMetrics>> {
    const e = await this.peers.evaluate(round, { up });
    checkDivergence(round, 0, 0, 1, e.round.meanLoss);
    this.emit('peers', e.peers);
    return e.round;
  }

  private linksOf(final: (Extract<AsyncControl, { type: 'async-final' }> | undefined)[]): LiveSummary {
    const links = final.flatMap((d, from) => (d ? liveLinks(from, d.links, d.seconds) : []));
    return this.roster.addTo({
      processes: this.processes, transport: this.o.transportName, slices: this.readyInfo!.map((r) => r.slice), roundsSeconds: final.map((d) => d?.seconds ?? NaN), links,
    });
  }

  async close(): Promise<void> {
    this.roster.finished = true;
  }
}

/** Builds the observer, lets `connect` start and connect its transport (and attach listeners), and runs it to the end. */
export async function runAsyncObserver(config: ExperimentConfig, o: AsyncObserverOptions, connect: (observer: AsyncLiveObserver) => Promise<void>): Promise<RunSummary> {
  const observer = await AsyncLiveObserver.create(config, o);
  try {
    await connect(observer);
    return await observer.run();
  } finally {
    await observer.close();
  }
}
