// The round scheduler: wiring only. Each round the protocol drives the runtime's primitives
// (or the async driver runs a unit of virtual time); the metrics modules then measure, and the
// engine emits events that writers, the progress display and the live view listen to.
import type { ExperimentConfig } from '../config/schema.js';
import { isAsyncDescriptor, protocolOf, type Protocol, type Traffic } from '../protocol/index.js';
import { consensusDistance } from '../metrics/consensus.js';
import { checkDivergence, squaredNorm, type DivergenceAdvice } from '../metrics/divergence.js';
import { divergenceAdvice } from '../metrics/divergence-cause.js';
import { evaluatePeers } from '../metrics/evaluation.js';
import { buildSummary } from '../metrics/summary.js';
import { TrafficMeter } from '../metrics/traffic.js';
import { MetricSet } from '../metrics/metric-set.js';
import type { MetricContext } from '../metrics/types.js';
import { CHECKPOINT_FORMAT, checkCompatible, type Checkpoint, type EngineState } from '../checkpoint/index.js';
import { VERSION } from '../version.js';
import { pluginRecords } from '../config/plugins.js';
import { TypedEmitter } from './emitter.js';
import type { EngineEvents, PeerMetrics, RoundMetrics, RunSummary, SetupEvent } from './events.js';
import { createExecutor, defaultWorkerCount, effectiveWorkers, type Executor } from './executor.js';
import { Runtime } from './runtime.js';
import { createWorld, type World } from './setup.js';
import type { TrainSettings } from './shared-state.js';
import { createAsyncDriver, type AsyncDriver } from './async/driver.js';
import { applyAsyncPlasticity, applyPlasticity, wiringOf } from '../plasticity/index.js';
import { privacyReport } from '../privacy/report.js';

export { isUniformAverage, ranges } from './runtime.js';
/** Whether @tensorflow/tfjs-node is installed (resolvable), without loading it. */
export { tfjsNodeInstalled as nodeBackendInstalled } from '../model/backend.js';

export interface EngineOptions {
  /** worker threads; 0 runs inline on the main thread; default: available parallelism */
  workers?: number;
  backend?: TrainSettings['backend'];
  /** false: plain-JS mixing and statistics instead of the WebAssembly SIMD kernels (for comparison) */
  simdExchange?: boolean;
  /** at most this many rounds per second of wall time (a live view's pace); 0 or absent: full speed */
  maxRoundsPerSecond?: number;
  /** continue from this checkpoint (checked against the config) instead of from round 0 */
  resume?: Checkpoint;
}

export class Engine extends TypedEmitter<EngineEvents> {
  readonly world: World;
  readonly backend: string;
  /** the kernel running local steps and evaluation ('simd', 'tfjs' or 'layers') */
  readonly kernel: string;
  readonly workers: number;
  /** why the WebAssembly SIMD kernels do not run here (set-up line and summary.json); absent when they do */
  simdUnavailable?: string;
  private readonly runtime: Runtime;
  /** a synchronous protocol, or the event-driven scheduler of an async one */
  private readonly protocol?: Protocol;
  private readonly driver?: AsyncDriver;
  private readonly traffic: TrafficMeter;
  /** the metrics the config turns on (metrics:), each contributing fields to a round's line */
  private readonly metrics: MetricSet;
  private aborted = false;
  private closed = false;
  private trainMs = 0;
  private evalMs = 0;
  /** the last round completed, and the last evaluated one's metrics */
  private round = 0;
  private lastEval?: RoundMetrics;
  /** how a diverged round's message ends: its likely cause in this run */
  private advice?: DivergenceAdvice;

  private constructor(
    world: World, private readonly executor: Executor, backend: string, kernel: string, private readonly setupMs: number,
    private readonly warnings: string[], private readonly options: EngineOptions,
  ) {
    super();
    const { config } = world;
    this.world = world;
    this.backend = backend;
    this.kernel = kernel;
    this.workers = executor.workers;
    this.traffic = new TrafficMeter(world.topology);
    this.metrics = new MetricSet(config.metrics);
    this.runtime = new Runtime({
      state: world.state, executor, protocol: config.protocol.kind, aggregation: config.aggregation, localSteps: config.train.localSteps, adversaries: world.settings.adversaries,
    });
    const d = protocolOf(config.protocol.kind);
    // the registry pairs each kind with its own spec
    const spec = config.protocol as never;
    const messageBytes = d.messageBytes(spec, world.state.dim);
    if (isAsyncDescriptor(d)) {
      if (config.time.mode !== 'async') throw new Error(`engine: protocol ${d.kind} needs time.mode async`);
      this.driver = createAsyncDriver({
        time: config.time, topology: world.topology, seed: config.seed, dim: world.state.dim, modelBytes: messageBytes,
        protocol: applyAsyncPlasticity(d.create(spec, { peers: config.peers, seed: config.seed, localSteps: config.train.localSteps }), world, this.runtime),
        params: () => this.runtime.params(), adversaries: world.settings.adversaries, aggregation: config.aggregation,
        train: (p, round) => this.runtime.train(round, [p]),
      });
    } else {
      const inner = d.create(spec, { topology: world.topology, mixing: world.mixing, schedule: world.schedule, seed: config.seed, messageBytes });
      this.protocol = applyPlasticity(inner, world, this.runtime, messageBytes);
    }
    if (options.resume) this.restore(options.resume);
  }

  static async create(config: ExperimentConfig, opts: EngineOptions = {}): Promise<Engine> {
    const t0 = performance.now();
    const backendPref = opts.backend ?? 'auto';
    // tfjs-node breaks in several worker threads (tensorflow/tfjs#8388): only tfjs kernels on it run inline
    const decision = effectiveWorkers(opts.workers ?? defaultWorkerCount(), config.model.path, backendPref);
    let workers = decision.workers;
    const warnings: string[] = decision.warning ? [decision.warning] : [];
    if (config.time.mode === 'async') {
      // the event loop is sequential by nature; one peer trains per event
      if (opts.workers !== undefined && opts.workers > 0) {
        warnings.push(`time.mode async runs inline on the main thread; --workers ${opts.workers} is ignored`);
      }
      workers = 0;
    }
    const world = createWorld(config, backendPref, { simdExchange: opts.simdExchange });
    const advice = divergenceAdvice({ config: world.config, dataset: world.dataset, resumedFrom: opts.resume?.round });
    const { executor, backend, kernel, simdUnavailable } = await createExecutor({ state: world.state, settings: world.settings }, workers, { advice });
    const engine = new Engine(world, executor, backend, kernel, performance.now() - t0, warnings, opts);
    engine.simdUnavailable = simdUnavailable;
    engine.advice = advice;
    return engine;
  }

  /** What the run is set up with (the payload of the 'setup' event), available before run(). */
  setupInfo(): SetupEvent {
    const w = this.world;
    return {
      config: w.config, topology: w.topology, mixing: w.mixing,
      spectralGap: w.spectral.gap, slem: w.spectral.slem, spectralExact: w.spectral.exact,
      components: w.components, partition: w.partition, labelCounts: w.labelCounts,
      classes: w.dataset.classes, params: w.state.dim, backend: this.backend, kernel: this.kernel, workers: this.workers,
      evalPeers: w.evalPeers, simdUnavailable: this.simdUnavailable, cluster: w.cluster, adversaries: w.adversaries,
    };
  }

  /** Everything needed to continue from the last completed round (call between rounds, e.g. in a 'round' listener). */
  checkpoint(): Checkpoint {
    const engine: EngineState = {
      ...this.runtime.snapshot(), traffic: this.traffic.snapshot(), protocol: this.protocol?.snapshot?.(), driver: this.driver?.snapshot(),
      trainMs: this.trainMs, evalMs: this.evalMs, lastEval: this.lastEval,
    };
    const plugins = pluginRecords(this.world.config.plugins);
    return { format: CHECKPOINT_FORMAT, version: VERSION, config: this.world.config, round: this.round, engine, ...(plugins.length ? { plugins } : {}) };
  }

  private restore(cp: Checkpoint): void {
    checkCompatible(cp, this.world.config, VERSION);
    const s = cp.engine;
    this.runtime.restore(s);
    this.traffic.restore(s.traffic);
    if (s.protocol !== undefined) this.protocol?.restore?.(s.protocol);
    if (s.driver !== undefined) this.driver?.restore(s.driver);
    Object.assign(this, { round: cp.round, trainMs: s.trainMs, evalMs: s.evalMs, lastEval: s.lastEval });
  }

  /** Stops after the current round; run() then resolves with aborted: true. */
  abort(): void {
    this.aborted = true;
  }

  /** Parameters of peer p as they are now (a copy). */
  peerParams(p: number): Float32Array {
    const { dim } = this.world.state;
    return this.runtime.params().slice(p * dim, (p + 1) * dim);
  }

  async run(): Promise<RunSummary> {
    const { config, components } = this.world;
    const start = performance.now();
    this.emit('setup', this.setupInfo());
    for (const warning of this.warnings) this.emit('warning', warning);
    if (components.length > 1) {
      this.emit('warning', `topology is disconnected: ${components.length} components of sizes ${components.join(', ')}; peers in different components never reach consensus`);
    }
    const evalDue = (r: number) => r % config.eval.every === 0 || r === config.rounds || this.aborted;
    const from = this.round;
    let last: RoundMetrics | undefined;
    if (from > 0) {
      // resumed: the checkpoint round's lines again, as the uninterrupted run wrote them
      last = await this.measure(from, performance.now(), evalDue(from));
      this.emit('round', last);
    } else if (config.eval.atStart) {
      this.emit('round', await this.measure(0, 0, true)); // the initial models
    }
    for (let r = from + 1; r <= config.rounds && !this.aborted; r++) {
      const t0 = performance.now();
      const traffic: Traffic = this.driver ? await this.driver.advanceTo(r) : await this.protocol!.round(this.runtime.ops, r);
      this.trainMs += performance.now() - t0;
      this.traffic.add(traffic);
      // let signals (Ctrl-C) and I/O in between rounds, inline and in async mode too
      await new Promise<void>((res) => setImmediate(res));
      this.round = r;
      last = await this.measure(r, t0, evalDue(r));
      this.emit('round', last);
      await this.pace(t0);
    }
    if (last && this.lastEval !== last) {
      // aborted between evaluations: the last round reached is still evaluated
      Object.assign(last, await this.evaluate(last.round));
      this.lastEval = last;
    }
    const w = this.world;
    const summary = buildSummary({
      config, last, lastEval: this.lastEval, rounds: last?.round ?? 0, peerSteps: this.runtime.peerSteps,
      wallMs: performance.now() - start + this.setupMs, trainMs: this.trainMs, evalMs: this.evalMs, setupMs: this.setupMs,
      bytesSent: this.traffic.bytes, backend: this.backend, kernel: this.kernel, workers: this.workers, params: w.state.dim,
      spectral: w.spectral, aborted: this.aborted, counters: this.driver?.counters(), simdUnavailable: this.simdUnavailable, adversaries: w.adversaries,
    });
    this.emit('end', summary);
    return summary;
  }

  /** Per-worker busy milliseconds so far (thread id -> ms). */
  busyByWorker(): Map<number, number> {
    return this.executor.busyByThread();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.executor.close();
  }

  /** A round's metrics: consensus always, evaluation when asked; stops a diverged run first. */
  private async measure(round: number, t0: number, evaluate: boolean): Promise<RoundMetrics> {
    const consensus = await consensusDistance(this.runtime, this.world.honest, this.world.config.peers);
    checkDivergence(round, squaredNorm(this.world.state.mean), consensus, this.world.state.dim, undefined, this.advice);
    const metrics: RoundMetrics = {
      round, consensusDistance: consensus, bytesSent: this.traffic.bytes, roundSeconds: round === 0 ? 0 : (performance.now() - t0) / 1000,
    };
    if (this.driver) Object.assign(metrics, this.driver.counters());
    if (evaluate) {
      Object.assign(metrics, await this.evaluate(round));
      this.lastEval = metrics;
    } else if (this.metrics.size > 0) {
      Object.assign(metrics, this.metrics.measure(this.metricContext(round)).round);
    }
    return metrics;
  }

  private async evaluate(round: number): Promise<Partial<RoundMetrics>> {
    const t0 = performance.now(), w = this.world;
    const e = await evaluatePeers(this.runtime, round, w);
    checkDivergence(round, 0, 0, 1, e.round.meanLoss, this.advice);
    const wiring = wiringOf(w, this.protocol ?? this.driver?.protocol), dp = privacyReport(w);
    const perPeer: PeerMetrics = { ...e.peers, ...wiring.peers, ...dp.peers, bytesSent: Array.from(this.traffic.perPeer) };
    if (this.driver) Object.assign(perPeer, this.driver.peerCounters());
    const edgeBytes = this.traffic.edgeBytes();
    if (edgeBytes) perPeer.edgeBytes = edgeBytes;
    const listed = this.metrics.measure(this.metricContext(round, e.peers));
    Object.assign(perPeer, listed.peers);
    this.emit('peers', perPeer);
    this.evalMs += performance.now() - t0;
    return { ...e.round, ...wiring.round, ...dp.round, ...listed.round };
  }

  /** What the configured metrics read after `round` (with the evaluation on evaluation rounds). */
  private metricContext(round: number, evaluation?: MetricContext['evaluation']): MetricContext {
    const { state, honest, settings, config } = this.world;
    const adversarial = settings.adversaries?.mask ?? new Uint8Array(state.peers);
    return {
      round, peers: state.peers, dim: state.dim, seed: config.seed, rows: this.runtime.params(), honest, adversarial,
      traffic: { bytes: this.traffic.bytes, perPeer: this.traffic.perPeer }, evaluation: evaluation && { accuracy: evaluation.accuracy, loss: evaluation.loss },
    };
  }

  /** Sleeps out the rest of a round's share of wall time when a pace is set (outside all timings). */
  private async pace(roundStart: number): Promise<void> {
    const rate = this.options.maxRoundsPerSecond ?? 0;
    if (rate <= 0) return;
    const wait = 1000 / rate - (performance.now() - roundStart);
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  }
}
