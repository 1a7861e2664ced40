// The round scheduler: wiring only. Each round the protocol drives train / mix / average
// operations, which run as tasks on the executor; the engine then measures consensus and,
// on evaluation rounds, every evaluated peer's test accuracy, and emits events.
import { createRequire } from 'node:module';
import { edgeTotals } from '../topology/csr.js';
import type { ExperimentConfig } from '../config/schema.js';
import { createAsyncProtocol, createProtocol, isAsyncProtocol, type Protocol, type RoundOps } from '../protocol/index.js';
import type { MixingMatrix } from '../types.js';
import type { BufferIndex, Task } from '../../workers/messages.js';
import { TypedEmitter } from './emitter.js';
import type { EngineEvents, PeerMetrics, RoundMetrics, RunSummary, SetupEvent } from './events.js';
import { createExecutor, defaultWorkerCount, type Executor } from './executor.js';
import { createWorld, type World } from './setup.js';
import { COLUMN_BLOCK, type TrainSettings } from './shared-state.js';
import { createAsyncDriver, type AsyncDriver } from './async/driver.js';

export function nodeBackendInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

export interface EngineOptions {
  /** worker threads; 0 runs inline on the main thread; default: available parallelism */
  workers?: number;
  backend?: TrainSettings['backend'];
  /** false: plain-JS mixing and statistics instead of the WebAssembly SIMD kernels (for comparison) */
  simdExchange?: boolean;
  /** at most this many rounds per second of wall time (a live view's pace); 0 or absent: full speed */
  maxRoundsPerSecond?: number;
}


export function ranges(n: number, parts: number): [number, number][] {
  const k = Math.max(1, Math.min(n, parts));
  const out: [number, number][] = [];
  for (let i = 0; i < k; i++) {
    const a = Math.floor((i * n) / k);
    const b = Math.floor(((i + 1) * n) / k);
    if (b > a) out.push([a, b]);
  }
  return out;
}

const uniformCache = new WeakMap<MixingMatrix, boolean>();

/** True when every row averages all n peers with weight 1/n (up to rounding of the self weight). */
export function isUniformAverage(w: MixingMatrix): boolean {
  let known = uniformCache.get(w);
  if (known === undefined) {
    const n = w.n;
    known = w.offsets[n] === n * n && w.weights.every((x) => Math.abs(x - 1 / n) < 1e-12);
    uniformCache.set(w, known);
  }
  return known;
}

export class Engine extends TypedEmitter<EngineEvents> {
  readonly world: World;
  readonly backend: string;
  /** the kernel running local steps and evaluation ('simd', 'tfjs' or 'layers') */
  readonly kernel: string;
  readonly workers: number;
  private executor: Executor;
  /** undefined for event-driven protocols (time.mode: async) */
  private protocol: Protocol | undefined;
  /** the event-driven scheduler (time.mode: async) */
  private driver: AsyncDriver | undefined;
  private roundOps: RoundOps | undefined;
  private warnings: string[] = [];
  private cur: BufferIndex = 0;
  private aborted = false;
  private closed = false;
  private peerSteps = 0;
  private trainMs = 0;
  private evalMs = 0;
  private bytesSent = 0;
  private peerBytes: Float64Array;
  /** cumulative bytes per CSR link, when the protocol reports them */
  private linkBytes?: Float64Array;
  private setupMs: number;

  private constructor(
    world: World, executor: Executor, backend: string, kernel: string, setupMs: number,
    warnings: string[] = [], private readonly options: EngineOptions = {},
  ) {
    super();
    this.world = world;
    this.executor = executor;
    this.backend = backend;
    this.kernel = kernel;
    this.workers = executor.workers;
    this.setupMs = setupMs;
    this.peerBytes = new Float64Array(world.config.peers);
    this.warnings = warnings;
    const { config } = world;
    const spec = config.protocol;
    if (isAsyncProtocol(spec)) {
      if (config.time.mode !== 'async') throw new Error(`engine: protocol ${spec.kind} needs time.mode async`);
      this.driver = createAsyncDriver({
        time: config.time, topology: world.topology, seed: config.seed, dim: world.state.dim,
        protocol: createAsyncProtocol(spec, config.peers, config.seed, config.train.localSteps),
        params: () => world.state.params[this.cur],
        train: (p, round) => this.ops().train(round, [p]),
      });
    } else {
      this.protocol = createProtocol(spec, { topology: world.topology, mixing: world.mixing, schedule: world.schedule, seed: config.seed });
    }
  }

  static async create(config: ExperimentConfig, opts: EngineOptions = {}): Promise<Engine> {
    const t0 = performance.now();
    const backendPref = opts.backend ?? 'auto';
    let workers = opts.workers ?? defaultWorkerCount();
    // tfjs-node breaks when loaded in several worker threads (tensorflow/tfjs#8388): run it in-process.
    if (backendPref === 'node' || (backendPref === 'auto' && nodeBackendInstalled())) workers = 0;
    const warnings: string[] = [];
    if (config.time.mode === 'async') {
      // the event loop is sequential by nature; one peer trains per event
      if (opts.workers !== undefined && opts.workers > 0) {
        warnings.push(`time.mode async runs inline on the main thread; --workers ${opts.workers} is ignored`);
      }
      workers = 0;
    }
    const world = createWorld(config, backendPref, { simdExchange: opts.simdExchange });
    const { executor, backend, kernel } = await createExecutor({ state: world.state, settings: world.settings }, workers);
    return new Engine(world, executor, backend, kernel, performance.now() - t0, warnings, opts);
  }

  /** What the run is set up with (the payload of the 'setup' event), available before run(). */
  setupInfo(): SetupEvent {
    const w = this.world;
    return {
      config: w.config, topology: w.topology, mixing: w.mixing,
      spectralGap: w.spectral.gap, slem: w.spectral.slem, spectralExact: w.spectral.exact,
      components: w.components, partition: w.partition, labelCounts: w.labelCounts,
      classes: w.dataset.classes, params: w.state.dim, backend: this.backend, kernel: this.kernel, workers: this.workers,
      evalPeers: w.evalPeers,
    };
  }

  /** Emits the set-up event at run() start, so listeners attached after create() still get it. */
  private emitSetup(): void {
    const w = this.world;
    this.emit('setup', this.setupInfo());
    for (const warning of this.warnings) this.emit('warning', warning);
    if (w.components.length > 1) {
      this.emit('warning', `topology is disconnected: ${w.components.length} components of sizes ${w.components.join(', ')}; peers in different components never reach consensus`);
    }
  }

  /** Sleeps out the rest of a round's share of wall time when a pace is set (outside all timings). */
  private async pace(roundStart: number): Promise<void> {
    const rate = this.options.maxRoundsPerSecond ?? 0;
    if (rate <= 0) return;
    const wait = 1000 / rate - (performance.now() - roundStart);
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  }

  /** Stops after the current round; run() then resolves with aborted: true. */
  abort(): void {
    this.aborted = true;
  }

  /** Parameters of peer p as they are now (a copy). */
  peerParams(p: number): Float32Array {
    const { dim } = this.world.state;
    return this.world.state.params[this.cur].slice(p * dim, (p + 1) * dim);
  }

  async run(): Promise<RunSummary> {
    const { config } = this.world;
    const start = performance.now();
    this.emitSetup();
    let last: RoundMetrics | undefined;
    let lastEval: RoundMetrics | undefined;
    let rounds = 0;
    if (config.eval.atStart) {
      // round 0: the initial models, before any training or exchange
      const initial: RoundMetrics = { round: 0, consensusDistance: await this.consensusDistance(), bytesSent: 0, roundSeconds: 0 };
      Object.assign(initial, await this.evaluate(0));
      this.emit('round', initial);
    }
    for (let r = 1; r <= config.rounds && !this.aborted; r++) {
      const t0 = performance.now();
      const traffic = this.driver ? await this.driver.advanceTo(r) : await this.protocol!.round(this.ops(), r);
      this.trainMs += performance.now() - t0;
      this.bytesSent += traffic.bytes;
      for (let i = 0; i < traffic.perPeer.length; i++) this.peerBytes[i] += traffic.perPeer[i];
      if (traffic.perEdge) {
        this.linkBytes ??= new Float64Array(traffic.perEdge.length);
        for (let k = 0; k < traffic.perEdge.length; k++) this.linkBytes[k] += traffic.perEdge[k];
      }
      const metrics: RoundMetrics = {
        round: r,
        consensusDistance: await this.consensusDistance(),
        bytesSent: this.bytesSent,
        roundSeconds: (performance.now() - t0) / 1000,
      };
      if (this.driver) Object.assign(metrics, this.driver.counters());
      if (r % config.eval.every === 0 || r === config.rounds || this.aborted) {
        Object.assign(metrics, await this.evaluate(r));
        lastEval = metrics;
      }
      rounds = r;
      last = metrics;
      this.emit('round', metrics);
      await this.pace(t0);
      await new Promise<void>((r) => setImmediate(r)); // let signals (Ctrl-C) and I/O in between rounds, also when inline
    }
    if (last && lastEval !== last) {
      // aborted between evaluations: the last round reached is still evaluated
      Object.assign(last, await this.evaluate(last.round));
      lastEval = last;
    }
    const wallSeconds = (performance.now() - start + this.setupMs) / 1000;
    const summary: RunSummary = {
      config,
      finalMeanAccuracy: lastEval?.meanAccuracy ?? NaN,
      finalMinAccuracy: lastEval?.minAccuracy ?? NaN,
      finalMaxAccuracy: lastEval?.maxAccuracy ?? NaN,
      finalMeanLoss: lastEval?.meanLoss ?? NaN,
      finalConsensusDistance: last?.consensusDistance ?? NaN,
      rounds,
      peerSteps: this.peerSteps,
      wallSeconds,
      trainSeconds: this.trainMs / 1000,
      evalSeconds: this.evalMs / 1000,
      setupSeconds: this.setupMs / 1000,
      peerStepsPerSecond: this.trainMs > 0 ? this.peerSteps / (this.trainMs / 1000) : 0,
      msPerRound: rounds > 0 ? this.trainMs / rounds : 0,
      bytesSent: this.bytesSent,
      backend: this.backend,
      kernel: this.kernel,
      workers: this.workers,
      params: this.world.state.dim,
      spectralGap: this.world.spectral.gap,
      slem: this.world.spectral.slem,
      aborted: this.aborted,
    };
    if (this.driver) {
      const { virtualTime, messagesSent, messagesDropped, messagesDelivered } = this.driver.counters();
      Object.assign(summary, { virtualTime, messagesSent, messagesDropped, messagesDelivered });
    }
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

  /**
   * Tasks per phase: one per worker would be cheapest, but a few per worker lets a worker that
   * finishes early take more (threads are rarely equally fast); each task costs ~0.05-0.1 ms.
   */
  private parts(): number {
    return this.workers <= 1 ? 1 : this.workers * 2;
  }

  private ops(): RoundOps {
    this.roundOps ??= this.createOps();
    return this.roundOps;
  }

  private createOps(): RoundOps {
    const { state, config } = { state: this.world.state, config: this.world.config };
    const all = Array.from({ length: config.peers }, (_, i) => i);
    const rowTasks = (make: (a: number, b: number) => Task): Task[] =>
      ranges(state.peers, this.parts()).map(([a, b]) => make(a, b));
    const trainTasks = (round: number, peers: number[]): Task[] =>
      ranges(peers.length, this.parts()).map(([a, b]) => ({ kind: 'train', round, src: this.cur, peers: peers.slice(a, b) }));
    const mixTasks = (round: number, w: MixingMatrix): Task[] =>
      rowTasks((a, b) => ({ kind: 'mix', round, src: this.cur, rowStart: a, rowEnd: b, w }));
    const ops: RoundOps = {
      peers: config.peers,
      dim: state.dim,
      vectorBytes: state.dim * 4,
      peerWeight: state.peerWeight,
      train: async (round, peers = all) => {
        await this.executor.run(trainTasks(round, peers));
        this.peerSteps += peers.length * config.train.localSteps;
      },
      mix: async (round, w: MixingMatrix) => {
        if (isUniformAverage(w)) {
          // W = 11^T/n (e.g. Metropolis on a complete graph): one mean instead of n^2 row reads
          await this.columnMean();
          const dst = (1 - this.cur) as BufferIndex;
          await this.executor.run(rowTasks((a, b) => ({ kind: 'broadcastMean', dst, rowStart: a, rowEnd: b })));
        } else {
          await this.executor.run(mixTasks(round, w));
        }
        this.cur = (1 - this.cur) as BufferIndex;
      },
      trainThenMix: async (round, w) => {
        if (this.workers === 1 && !isUniformAverage(w)) {
          // one worker takes tasks in submission order: no barrier needed, one wake-up saved
          await this.executor.run([...trainTasks(round, all), ...mixTasks(round, w)]);
          this.peerSteps += all.length * config.train.localSteps;
          this.cur = (1 - this.cur) as BufferIndex;
        } else {
          await ops.train(round);
          await ops.mix(round, w);
        }
      },
      averageAll: async (_round, peers) => {
        await this.columnMean(peers);
        await this.executor.run(rowTasks((a, b) => ({ kind: 'broadcastMean', dst: this.cur, rowStart: a, rowEnd: b })));
      },
      compressToAux: async (round, spec) => {
        this.requireAux('compressToAux');
        await this.executor.run(rowTasks((a, b) => ({ kind: 'compressAux', round, src: this.cur, rowStart: a, rowEnd: b, spec, seed: config.seed })));
      },
      consensusStep: async (round, w, gamma) => {
        this.requireAux('consensusStep');
        await this.executor.run(rowTasks((a, b) => ({ kind: 'consensusStep', round, src: this.cur, rowStart: a, rowEnd: b, w, gamma })));
      },
    };
    return ops;
  }

  private requireAux(op: string): void {
    if (this.world.state.aux.length === 0) {
      throw new Error(`engine: ${op} needs the auxiliary buffer; declare it in protocolNeeds for protocol ${this.world.config.protocol.kind}`);
    }
  }

  /** Fills state.mean over the given peers (all if absent); returns |mean|^2 summed in a fixed order. */
  private async columnMean(peers?: number[]): Promise<number> {
    const dim = this.world.state.dim;
    const tasks: Task[] = [];
    for (let c = 0; c < dim; c += COLUMN_BLOCK) {
      tasks.push({ kind: 'colMean', src: this.cur, colStart: c, colEnd: Math.min(dim, c + COLUMN_BLOCK), peers });
    }
    const res = await this.executor.run(tasks);
    let sq = 0;
    for (const r of res) if (r.ok) sq += r.value;
    return sq;
  }

  /** Mean over peers of |x_i - mean|^2, two-pass per column block, blocks summed in a fixed order. */
  private async consensusDistance(): Promise<number> {
    const { dim, peers, blockStats } = this.world.state;
    const blocks = Math.ceil(dim / COLUMN_BLOCK);
    const tasks: Task[] = ranges(blocks, this.parts()).map(([a, b]) => ({
      kind: 'colStats', src: this.cur, colStart: a * COLUMN_BLOCK, colEnd: Math.min(dim, b * COLUMN_BLOCK),
    }));
    await this.executor.run(tasks);
    let total = 0;
    for (let b = 0; b < blocks; b++) total += blockStats[b];
    return total / peers;
  }


  private async evaluate(round: number): Promise<Partial<RoundMetrics>> {
    const t0 = performance.now();
    const s = this.world.state;
    const peers = this.world.evalPeers;
    // exact per-peer distances to the average (state.mean is fresh from consensusDistance)
    await this.executor.run(
      ranges(s.peers, this.parts()).map(([a, b]) => ({ kind: 'distance', src: this.cur, rowStart: a, rowEnd: b }) as Task),
    );
    const testN = this.world.testN;
    await this.executor.run(
      ranges(peers.length, this.parts()).map(([a, b]) => ({
        kind: 'eval', round, src: this.cur, peers: peers.slice(a, b), testN,
      }) as Task),
    );
    const accuracy: (number | null)[] = new Array(s.peers).fill(null);
    const loss: (number | null)[] = new Array(s.peers).fill(null);
    let accSum = 0, lossSum = 0, minAcc = Infinity, maxAcc = -Infinity;
    for (const p of peers) {
      const a = s.evalOut[p * 3] / testN;
      const l = s.evalOut[p * 3 + 1] / testN;
      accuracy[p] = a;
      loss[p] = l;
      accSum += a;
      lossSum += l;
      if (a < minAcc) minAcc = a;
      if (a > maxAcc) maxAcc = a;
    }
    const perPeer: PeerMetrics = {
      round,
      accuracy,
      loss,
      distance: Array.from(s.distance),
      bytesSent: Array.from(this.peerBytes),
    };
    if (this.driver) Object.assign(perPeer, this.driver.peerCounters());
    if (this.linkBytes) perPeer.edgeBytes = edgeTotals(this.world.topology, this.linkBytes);
    this.emit('peers', perPeer);
    this.evalMs += performance.now() - t0;
    return {
      meanAccuracy: accSum / peers.length,
      minAccuracy: minAcc,
      maxAccuracy: maxAcc,
      meanLoss: lossSum / peers.length,
      evaluatedPeers: peers.length,
    };
  }
}
