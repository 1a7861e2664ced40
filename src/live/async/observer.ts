// The observer of a live asynchronous gossip run, outside the learning: at every whole unit of
// virtual time it gathers each process's counts (and, on evaluation rounds, its peers'
// evaluations), the consensus distance from the last process of the chain reduction, and emits
// the Engine's events with the simulator's async-mode RoundMetrics (virtualTime, messages, peers online).
import type { ExperimentConfig } from '../../config/schema.js';
import { TypedEmitter } from '../../engine/emitter.js';
import type { EngineEvents, LiveSummary, PeerMetrics, RoundMetrics, RunSummary, SetupEvent } from '../../engine/events.js';
import type { Runtime } from '../../engine/runtime.js';
import { createWorld, type World } from '../../engine/setup.js';
import { ConfigError, DivergenceError, PlexusError } from '../../errors.js';
import { checkDivergence } from '../../metrics/divergence.js';
import { evaluatePeers } from '../../metrics/evaluation.js';
import { buildSummary } from '../../metrics/summary.js';
import { TrafficMeter } from '../../metrics/traffic.js';
import { privacyReport } from '../../privacy/report.js';
import { FRAME_KINDS, type Transport } from '../transport/types.js';
import { keyOf, Mailbox } from '../mailbox.js';
import { bytesFloat64, fromWire, type ReadyMessage } from '../messages.js';
import { answerPings } from '../links.js';
import { sliceOf } from '../node.js';
import { ASYNC_EVAL_FIELDS } from './node.js';
import { readAsyncControl, type AsyncControl, type AsyncRoundMessage } from './messages.js';
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

/** The observer stopped the run (Ctrl-C): not a failure. */
class Aborted extends PlexusError {}

export class AsyncLiveObserver extends TypedEmitter<EngineEvents> {
  readonly world: World;
  private readonly mailbox: Mailbox;
  private readonly traffic: TrafficMeter;
  private readonly processes: number;
  private readyInfo?: ReadyMessage[];
  private aborted = false;
  private finished = false;
  private live?: LiveSummary;
  private lastEval?: RoundMetrics;
  private readonly evalOut: Float64Array;
  private readonly distance: Float64Array;
  private readonly wakeups: number[];
  private readonly messagesSent: number[];
  /** cumulative bytes per peer as last reported */
  private readonly bytes: Float64Array;

  private constructor(world: World, private readonly setupMs: number, private readonly o: AsyncObserverOptions) {
    super();
    const n = world.config.peers;
    this.world = world;
    this.processes = o.processes;
    this.traffic = new TrafficMeter(world.topology);
    this.evalOut = new Float64Array(n * 3);
    this.distance = new Float64Array(n);
    this.wakeups = new Array<number>(n).fill(0);
    this.messagesSent = new Array<number>(n).fill(0);
    this.bytes = new Float64Array(n);
    this.mailbox = new Mailbox(o.transport);
    answerPings(this.mailbox);
    this.mailbox.onControl('error', (from, m) => {
      if (m.type !== 'error') return;
      const message = `live: process ${from} failed${m.round !== undefined ? ` at time ${m.round}` : ''}: ${m.message}`;
      this.mailbox.fail(m.diverged && m.round !== undefined ? new DivergenceError(m.message, m.round) : new PlexusError(message));
    });
    o.transport.onDisconnect((p) => {
      if (!this.finished) this.mailbox.fail(new PlexusError(`live: lost the connection to process ${p}; the measurement (its consensus chain) cannot go on without it`));
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
    if (this.aborted || this.finished) return;
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
    await this.broadcast({ type: 'start' });
    let last: RoundMetrics | undefined;
    let final: Extract<AsyncControl, { type: 'async-final' }>[] = [];
    let reports: AsyncRoundMessage[] = [];
    try {
      for (let r = config.eval.atStart ? 0 : 1; r <= config.rounds; r++) {
        ({ metrics: last, reports } = await this.measure(r, r === 0 || r % config.eval.every === 0 || r === config.rounds));
        this.emit('round', last);
      }
      final = await Promise.all(Array.from({ length: this.processes }, (_, p) => this.take(p, 0, 'async-final')));
      this.live = this.linksOf(final);
      await this.broadcast({ type: 'bye' });
    } catch (e) {
      await this.broadcast({ type: 'stop', reason: e instanceof Aborted ? 'the observer was interrupted' : `the run failed: ${(e as Error).message}` });
      if (!(e instanceof Aborted)) throw e;
    } finally {
      this.finished = true;
    }
    const first = this.readyInfo![0];
    const max = (f: (r: AsyncRoundMessage) => number) => reports.reduce((m, r) => Math.max(m, f(r)), 0);
    const setupMs = this.setupMs + this.readyInfo!.reduce((m, r) => Math.max(m, r.setupMs), 0);
    const sum = (f: (x: Extract<AsyncControl, { type: 'async-final' }>) => number) => final.reduce((s, x) => s + f(x), 0);
    const counters = final.length > 0
      ? { virtualTime: config.rounds, messagesSent: sum((x) => x.sent), messagesDropped: sum((x) => x.dropped), messagesDelivered: sum((x) => x.delivered) }
      : last && { virtualTime: last.virtualTime ?? 0, messagesSent: last.messagesSent ?? 0, messagesDropped: last.messagesDropped ?? 0, messagesDelivered: last.messagesDelivered ?? 0 };
    const w = this.world;
    const summary = buildSummary({
      config, last, lastEval: this.lastEval, rounds: last?.round ?? 0,
      peerSteps: final.length > 0 ? sum((x) => x.peerSteps) : reports.reduce((s, r) => s + r.peerSteps, 0),
      wallMs: performance.now() - start + setupMs, trainMs: max((r) => r.trainMs), evalMs: max((r) => r.evalMs), setupMs,
      bytesSent: this.traffic.bytes, backend: first.backend, kernel: first.kernel, workers: first.workers, params: w.state.dim,
      spectral: w.spectral, aborted: this.aborted, counters, simdUnavailable: first.simdUnavailable, adversaries: w.adversaries,
    });
    if (this.live) summary.live = this.live;
    this.emit('end', summary);
    return summary;
  }

  private async broadcast(m: Parameters<Mailbox['send']>[2]): Promise<void> {
    await Promise.all(Array.from({ length: this.processes }, (_, p) => this.mailbox.send(p, 0, m).catch(() => undefined)));
  }

  /** Virtual time `round`'s metrics from every process's report, shaped as the simulator's async mode writes them. */
  private async measure(round: number, evaluate: boolean): Promise<{ metrics: RoundMetrics; reports: AsyncRoundMessage[] }> {
    const P = this.processes;
    const evals = evaluate ? await Promise.all(Array.from({ length: P }, (_, p) => this.mailbox.take(p, keyOf(FRAME_KINDS.eval, round)))) : [];
    const reports = await Promise.all(Array.from({ length: P }, (_, p) => this.take(p, round, 'async-round')));
    const n = this.world.config.peers;
    const perPeer = new Float64Array(n);
    reports.forEach((r, p) => {
      const [a] = sliceOf(n, P, p);
      r.bytes.forEach((b, i) => {
        perPeer[a + i] = b - this.bytes[a + i];
        this.bytes[a + i] = b;
      });
    });
    this.traffic.add({ bytes: perPeer.reduce((s, b) => s + b, 0), perPeer });
    const c = reports[P - 1].consensus;
    if (!c) throw new PlexusError(`live: process ${P - 1}, the last of the chain, reported no consensus distance for time ${round}`);
    const consensus = fromWire(c.value);
    checkDivergence(round, fromWire(c.meanSq), consensus, this.world.state.dim);
    const add = (f: (r: AsyncRoundMessage) => number) => reports.reduce((s, r) => s + f(r), 0);
    const metrics: RoundMetrics = {
      round, consensusDistance: consensus, bytesSent: this.traffic.bytes, roundSeconds: round === 0 ? 0 : reports.reduce((m, r) => Math.max(m, r.seconds), 0),
      virtualTime: round, messagesSent: add((r) => r.sent), messagesDropped: add((r) => r.dropped), messagesDelivered: add((r) => r.delivered), peersOnline: add((r) => r.online),
    };
    if (evaluate) {
      evals.forEach((f, p) => this.takeEval(p, f.sender, bytesFloat64(f.payload)));
      Object.assign(metrics, await this.evaluate(round));
      this.lastEval = metrics;
    }
    return { metrics, reports };
  }

  private takeEval(p: number, first: number, values: Float64Array): void {
    const [a, b] = sliceOf(this.world.config.peers, this.processes, p);
    if (first !== a || values.length !== (b - a) * ASYNC_EVAL_FIELDS) {
      throw new PlexusError(`live: process ${p} sent the evaluation of peers ${first}.. (${values.length} values) where ${a}..${b - 1} were due`);
    }
    for (let i = a; i < b; i++) {
      const at = (i - a) * ASYNC_EVAL_FIELDS;
      this.evalOut[i * 3] = values[at];
      this.evalOut[i * 3 + 1] = values[at + 1];
      this.distance[i] = values[at + 2];
      this.world.state.stepCount[i] = values[at + 3];
      this.wakeups[i] = values[at + 4];
      this.messagesSent[i] = values[at + 5];
    }
  }

  /** The simulator's evaluation summary over what the processes sent (evaluatePeers on a runtime answering from it). */
  private async evaluate(round: number): Promise<Partial<RoundMetrics>> {
    const w = this.world;
    const received: Pick<Runtime, 'distances' | 'evaluate'> = { distances: async () => this.distance, evaluate: async () => this.evalOut };
    const e = await evaluatePeers(received as Runtime, round, w);
    checkDivergence(round, 0, 0, 1, e.round.meanLoss);
    const dp = privacyReport(w);
    const perPeer: PeerMetrics = {
      ...e.peers, ...dp.peers, bytesSent: Array.from(this.traffic.perPeer),
      online: new Array<boolean>(w.config.peers).fill(true), wakeups: this.wakeups.slice(), messagesSent: this.messagesSent.slice(),
    };
    this.emit('peers', perPeer);
    return { ...e.round, ...dp.round };
  }

  private linksOf(final: Extract<AsyncControl, { type: 'async-final' }>[]): LiveSummary {
    const links = final.flatMap((d, from) => d.links.map((l) => ({
      from, to: l.to, bytesSent: l.bytesSent, framesSent: l.framesSent, bytesReceived: l.bytesReceived, framesReceived: l.framesReceived,
      rttMs: l.rttMs, bytesPerSecond: d.seconds > 0 ? l.bytesSent / d.seconds : 0,
    })));
    return { processes: this.processes, transport: this.o.transportName, slices: this.readyInfo!.map((r) => r.slice), roundsSeconds: final.map((d) => d.seconds), links };
  }

  async close(): Promise<void> {
    this.finished = true;
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
