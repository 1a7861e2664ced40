// One process of a live run: the same World as every other process (built from the config), the
// full parameter buffers, but it trains and mixes only its own slice of peers [a, b). The protocol
// module runs unchanged on a RoundOps whose mix first exchanges rows with the other processes.
import type { ExperimentConfig } from '../config/schema.js';
import { createExecutor, effectiveWorkers, type Executor } from '../engine/executor.js';
import { Runtime, ranges } from '../engine/runtime.js';
import { createWorld, type World } from '../engine/setup.js';
import type { TrainSettings } from '../engine/shared-state.js';
import { ConfigError, DivergenceError, PlexusError, WorkerError } from '../errors.js';
import { isSyncDescriptor, protocolOf, type Protocol, type RoundOps, type Traffic } from '../protocol/index.js';
import { FRAME_KINDS, type Transport } from './transport/types.js';
import { Mailbox } from './mailbox.js';
import { Exchanger } from './exchange.js';
import { ChainReduction } from './measure.js';
import { distancesTo } from './reduce.js';
import { float64Bytes, wireNumber, type LinkReport, type RoundMessage } from './messages.js';
import { liveIssues, liveProtocols } from './support.js';
import { answerPings, measureRtt, LiveStopped } from './links.js';

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
}

/** The peers [a, b) process k of P hosts: the simulator's row ranges. */
export function sliceOf(peers: number, processes: number, k: number): [number, number] {
  return ranges(peers, processes)[k];
}

export class LiveNode {
  readonly world: World;
  readonly slice: [number, number];
  private readonly mailbox: Mailbox;
  private readonly runtime: Runtime;
  private readonly protocol: Protocol;
  private readonly exchanger: Exchanger;
  private readonly reduction: ChainReduction;
  private readonly ops: RoundOps;
  private readonly observer: number;
  private trainMs = 0;
  private evalMs = 0;
  private closed = false;
  /** set once this process's part is over ('done' sent): losing links is then the others closing */
  private finished = false;
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
    this.mailbox = new Mailbox(o.transport);
    answerPings(this.mailbox);
    this.mailbox.onControl('stop', (_from, m) => this.mailbox.fail(new LiveStopped(m.type === 'stop' ? m.reason : 'stopped')));
    o.transport.onDisconnect((p) => {
      // after 'done' the others close as they get 'bye': only the observer's going matters, as a bye
      if (p === this.observer) this.observerGone();
      if (!this.finished) this.mailbox.fail(new PlexusError(`live: process ${self}: lost the connection to ${p === this.observer ? 'the observer' : `process ${p}`}`));
    });
    this.runtime = new Runtime({
      state, executor, protocol: config.protocol.kind, aggregation: config.aggregation, localSteps: config.train.localSteps, rows: this.slice,
    });
    this.exchanger = new Exchanger(this.mailbox, slices, self, state.dim);
    this.reduction = new ChainReduction(this.mailbox, self, o.processes, config.peers, state.dim, state.memory ? 'simd' : 'js', this.slice[1] - this.slice[0]);
    const d = protocolOf(config.protocol.kind);
    if (!isSyncDescriptor(d)) throw new ConfigError([`protocol.kind: ${d.kind} is asynchronous; live mode runs ${liveProtocols()}`], 'Cannot run live');
    const spec = config.protocol as never;
    this.protocol = d.create(spec, { topology: world.topology, mixing: world.mixing, schedule: world.schedule, seed: config.seed, messageBytes: d.messageBytes(spec, state.dim) });
    this.ops = this.liveOps();
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
  private liveOps(): RoundOps {
    const base = this.runtime.ops;
    const [a, b] = this.slice;
    const exchange = (round: number, w: Parameters<RoundOps['mix']>[1]) => this.exchanger.mix(round, w, this.runtime.params());
    const everyone = Array.from({ length: base.peers }, (_, i) => i);
    const refuse = (what: string) => () => Promise.reject(new PlexusError(`live: ${what} does not run live yet; live mode runs ${liveProtocols()}`));
    return {
      peers: base.peers,
      dim: base.dim,
      vectorBytes: base.vectorBytes,
      scalars: (name) => base.scalars(name),
      train: (round, peers) => this.runtime.train(round, peers?.filter((p) => p >= a && p < b)),
      mix: async (round, w) => {
        await exchange(round, w);
        await base.mix(round, w);
      },
      trainThenMix: async (round, w) => {
        await this.runtime.train(round);
        await exchange(round, w);
        await base.mix(round, w);
      },
      // every process gathers the averaged rows and takes the same mean (FedAvg's server, replicated)
      averageAll: async (round, peers) => {
        await this.exchanger.gather(round, peers ?? everyone, this.runtime.params());
        await base.averageAll(round, peers);
      },
      rows: refuse('a protocol row operation (ops.rows)'),
    };
  }

  /**
   * Runs every round in step with the other processes, reporting to the observer; resolves 'done'
   * when the observer says bye, or 'stopped' when it stops the run (interrupted, or another process failed).
   */
  async run(): Promise<'done' | 'stopped'> {
    const { config } = this.world;
    const m = this.mailbox;
    let round = 0;
    try {
      await m.send(this.observer, 0, {
        type: 'ready', backend: this.info.backend, kernel: this.info.kernel, workers: this.executor.workers,
        simdUnavailable: this.info.simdUnavailable, setupMs: this.setupMs, slice: this.slice, ...(this.info.warning ? { warning: this.info.warning } : {}),
      });
      await m.control(this.observer, 0, 'start');
      const evalDue = (r: number) => r % config.eval.every === 0 || r === config.rounds;
      const start = performance.now();
      if (config.eval.atStart) await this.measure(0, true, 0);
      for (round = 1; round <= config.rounds; round++) {
        const t0 = performance.now();
        const traffic = await this.protocol.round(this.ops, round);
        this.trainMs += performance.now() - t0;
        await this.measure(round, evalDue(round), t0, traffic);
      }
      const roundsSeconds = (performance.now() - start) / 1000;
      const rtt = await measureRtt(m, this.observer + 1);
      const links: LinkReport[] = this.o.transport.stats().map((s) => ({
        to: s.process, bytesSent: s.bytesSent, bytesReceived: s.bytesReceived, framesSent: s.framesSent, framesReceived: s.framesReceived, rttMs: rtt.get(s.process) ?? null,
      }));
      this.finished = true;
      await m.send(this.observer, 0, { type: 'done', links, roundsSeconds });
      await Promise.race([m.control(this.observer, 0, 'bye'), this.observerLost]);
      return 'done';
    } catch (e) {
      this.finished = true;
      if (e instanceof LiveStopped) return 'stopped';
      const diverged = e instanceof DivergenceError;
      const message = e instanceof Error ? e.message : String(e);
      await m.send(this.observer, 0, { type: 'error', message, round: e instanceof WorkerError ? (e.round ?? round) : round, diverged }).catch(() => undefined);
      throw e;
    }
  }

  /** The round's consensus by the chain reduction; on evaluation rounds, this slice's peers evaluated and their distances. */
  private async measure(round: number, evaluate: boolean, t0: number, traffic?: Traffic): Promise<void> {
    const { state, evalPeers, testN } = this.world;
    const [a, b] = this.slice;
    const dim = state.dim;
    const rows = this.runtime.params().subarray(a * dim, b * dim);
    const reduced = await this.reduction.run(round, rows, b - a);
    let average: RoundMessage['averageModel'];
    if (evaluate) {
      const te = performance.now();
      const own = evalPeers.filter((p) => p >= a && p < b);
      const out = await this.runtime.evaluate(round, own, testN);
      const distance = distancesTo(rows, b - a, reduced.mean.mean);
      const values = new Float64Array((b - a) * EVAL_FIELDS).fill(NaN);
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
      average = await this.averageModel(round, rows);
      await this.mailbox.transport.send(this.observer, { round, sender: a, receiver: -1, kind: FRAME_KINDS.eval, payload: float64Bytes(values) });
      this.evalMs += performance.now() - te;
    }
    const msg: RoundMessage = {
      type: 'round', round, peerSteps: this.runtime.peerSteps, seconds: round === 0 ? 0 : (performance.now() - t0) / 1000, trainMs: this.trainMs, evalMs: this.evalMs,
    };
    if (this.o.transport.self === 0 && traffic) {
      msg.traffic = { bytes: traffic.bytes, perPeer: Array.from(traffic.perPeer), ...(traffic.perEdge ? { perEdge: Array.from(traffic.perEdge) } : {}) };
    }
    if (reduced.consensus) msg.consensus = { value: wireNumber(reduced.consensus.value), meanSq: wireNumber(reduced.consensus.meanSq) };
    if (average) msg.averageModel = average;
    await this.mailbox.send(this.observer, round, msg);
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
