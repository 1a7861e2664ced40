// The per-peer lines of a live run, built by one piece of code wherever they are written: the
// observer's peers.jsonl (every peer) and each process's own files (its slice, src/cli/process-files.ts).
import type { LiveLink, PeerMetrics, RoundMetrics } from '../engine/events.js';
import type { Runtime } from '../engine/runtime.js';
import type { World } from '../engine/setup.js';
import { evaluatePeers } from '../metrics/evaluation.js';
import { TrafficMeter } from '../metrics/traffic.js';
import { wiringOf } from '../plasticity/index.js';
import { privacyReport } from '../privacy/report.js';
import type { Traffic } from '../protocol/index.js';
import { forEachEdge } from '../topology/csr.js';
import type { LinkReport } from './messages.js';
import { EVAL_FIELDS } from './node.js';

/**
 * An evaluation round's per-peer figures from the processes' evaluation frames, laid out as the
 * runtime's (evalOut: 3 per peer, distance) so evaluatePeers summarises them unchanged.
 */
export class RoundPeers {
  readonly evalOut: Float64Array;
  readonly distance: Float64Array;
  readonly miaAuc: Float64Array;
  /** the average model's correct count and loss sum (eval.averageModel), as runtime.evaluateMean leaves them */
  readonly meanEvalOut = new Float64Array(2);
  /** cumulative bytes per peer (bytesSent), from each round's traffic */
  readonly traffic: TrafficMeter;
  /** the world with the local steps the frames carried (epsilon reads them), never the training state's own */
  protected readonly view: World;

  constructor(protected readonly world: World) {
    const n = world.config.peers;
    this.evalOut = new Float64Array(n * 3);
    this.distance = new Float64Array(n);
    this.miaAuc = new Float64Array(n);
    this.traffic = new TrafficMeter(world.topology);
    const state = Object.assign(Object.create(world.state) as World['state'], { stepCount: new Int32Array(n) });
    this.view = Object.assign(Object.create(world) as World, { state });
  }

  /** A round's traffic (as the protocol counted it) into bytesSent; the wire carries plain arrays. */
  addTraffic(t: { bytes: number; perPeer: ArrayLike<number>; perEdge?: ArrayLike<number> }): void {
    this.traffic.add({ bytes: t.bytes, perPeer: Float64Array.from(t.perPeer), ...(t.perEdge ? { perEdge: Float64Array.from(t.perEdge) } : {}) });
  }

  /** Before a round's frames: nothing evaluated yet (peers whose frame does not come stay null). */
  clear(): void {
    this.evalOut.fill(NaN);
    this.distance.fill(NaN);
    this.miaAuc.fill(NaN);
  }

  /** Values per peer in an evaluation frame: the first four are test correct count, test loss sum, squared distance, local steps. */
  protected readonly fields: number = EVAL_FIELDS;

  /** The evaluation frame of peers first..first + values.length / fields - 1. */
  take(first: number, values: Float64Array): void {
    const steps = this.view.state.stepCount;
    for (let k = 0; k < values.length / this.fields; k++) {
      const i = first + k;
      const at = k * this.fields;
      this.evalOut[i * 3] = values[at];
      this.evalOut[i * 3 + 1] = values[at + 1];
      this.distance[i] = values[at + 2];
      steps[i] = values[at + 3];
      this.takeMore(i, values, at);
    }
  }

  /** Peer i's values after the first four (its frame's from `at`): the attack's AUC. */
  protected takeMore(i: number, values: Float64Array, at: number): void {
    this.miaAuc[i] = values[at + 4];
  }

  /**
   * Engine.evaluate over the received values: the round's summary and the 'peers' event (a line of
   * peers.jsonl), over `evalPeers` (default: the world's); `up` marks the peers online after a loss.
   */
  async evaluate(round: number, opts: { up?: boolean[]; evalPeers?: number[] } = {}): Promise<{ round: Partial<RoundMetrics>; peers: PeerMetrics }> {
    const { up } = opts;
    const evalPeers = opts.evalPeers ?? (up ? this.world.evalPeers.filter((p) => up[p]) : this.world.evalPeers);
    // what evaluatePeers asks of a runtime, answered with what the processes sent (the mean itself stays on the last process)
    const received: Pick<Runtime, 'distances' | 'evaluate' | 'columnMean' | 'evaluateMean' | 'membershipAuc'> = {
      distances: async () => this.distance,
      evaluate: async () => this.evalOut,
      columnMean: async () => NaN,
      evaluateMean: async () => this.meanEvalOut,
      membershipAuc: async (_round, peers) => peers.map((p) => this.miaAuc[p]),
    };
    const e = await evaluatePeers(received as Runtime, round, { ...this.world, evalPeers });
    const wiring = wiringOf(this.world, undefined), dp = privacyReport(this.view);
    const peers: PeerMetrics = { ...e.peers, ...wiring.peers, ...dp.peers, bytesSent: Array.from(this.traffic.perPeer), ...(up ? { online: up } : {}) };
    const edgeBytes = this.traffic.edgeBytes();
    if (edgeBytes) peers.edgeBytes = edgeBytes;
    return { round: { ...e.round, ...wiring.round, ...dp.round }, peers };
  }
}

/** A process's link report as summary.json's live.links rows (from = the process). */
export function liveLinks(from: number, links: readonly LinkReport[], roundsSeconds: number): LiveLink[] {
  return links.map((l) => ({
    from, to: l.to, bytesSent: l.bytesSent, framesSent: l.framesSent, bytesReceived: l.bytesReceived, framesReceived: l.framesReceived,
    rttMs: l.rttMs, bytesPerSecond: roundsSeconds > 0 ? l.bytesSent / roundsSeconds : 0,
  }));
}

/**
 * A process's line of its peers.jsonl: the observer's line for peers [first, first + length), its
 * per-peer arrays cut to the slice; edgeBytes (when there) cut to the edges topology.json lists from
 * those peers, which start at firstEdge.
 */
export type PeerSliceLine = { round: number; first: number; firstEdge?: number } & Omit<PeerMetrics, 'round'>;

/** The edges topology.json lists (forEachEdge order) from peers [a, b): [e0, e1). */
export function edgeRange(topology: World['topology'], a: number, b: number): [number, number] {
  let e = 0, e0 = -1;
  forEachEdge(topology, (u) => {
    if (u >= a && e0 < 0) e0 = e;
    if (u < b) e++;
  });
  return [e0 < 0 ? e : e0, e];
}

/** The observer's line `p`, cut to the peers [a, b) whose edges are `edges` (edgeRange; keys in its order, `first` after `round`). */
export function slicePeerLine(p: PeerMetrics, a: number, b: number, edges: [number, number]): PeerSliceLine {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'edgeBytes') {
      out.firstEdge = edges[0];
      out.edgeBytes = (v as number[]).slice(edges[0], edges[1]);
    } else out[k] = Array.isArray(v) ? v.slice(a, b) : v;
    if (k === 'round') out.first = a;
  }
  return out as PeerSliceLine;
}

/** Every process's lines of one round (any order) as the observer's one line: the slices' arrays end to end in peer order. */
export function joinPeerSlices(lines: readonly PeerSliceLine[]): PeerMetrics {
  const sorted = [...lines].sort((x, y) => x.first - y.first);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sorted[0])) {
    if (k === 'first' || k === 'firstEdge') continue;
    out[k] = Array.isArray(v) ? sorted.flatMap((l) => (l as unknown as Record<string, unknown[]>)[k]) : v;
  }
  return out as unknown as PeerMetrics;
}

/** What a live node tells its own files after each round it reported (LiveNodeOptions.onMeasured). */
export interface MeasuredRound {
  round: number;
  /** evaluation rounds: the frame sent to the observer (EVAL_FIELDS per own peer) */
  values?: Float64Array;
  /** the round's traffic as the first live process reports it (without lost processes' peers) */
  traffic?: Traffic;
  /** after a loss only: the processes in the round */
  live?: number[];
}

/** process.json: one process's own account of its part in the run. */
export interface ProcessSummary {
  process: number;
  processes: number;
  /** its peers [a, b) */
  slice: [number, number];
  /** the first round it took part in (above 1: it rejoined at it) and the last it reported (null: none) */
  firstRound: number | null;
  lastRound: number | null;
  /** 'done': the observer said bye; 'stopped': stopped or failed before */
  end: 'done' | 'stopped';
  /** wall seconds of its rounds (first to last), when it got that far */
  roundsSeconds?: number;
  /** the processes it went on without, and the first round it did; lost ones it saw take part again */
  lost: { process: number; round: number }[];
  rejoined: { process: number; round: number }[];
}

/**
 * One process's lines: its slice of each evaluation round's peers line, and its account of the run.
 * `peers` builds the lines as the observer does (an asynchronous run's: AsyncRoundPeers).
 */
export class ProcessRecord {
  private readonly edges: [number, number];
  private readonly summary: ProcessSummary;
  private live?: Set<number>;

  constructor(private readonly world: World, processes: number, process: number, readonly slice: [number, number], private readonly peers = new RoundPeers(world)) {
    this.edges = edgeRange(world.topology, slice[0], slice[1]);
    this.summary = { process, processes, slice, firstRound: null, lastRound: null, end: 'stopped', lost: [], rejoined: [] };
  }

  /** The round's line of this slice (evaluation rounds only), built as the observer builds its own. */
  async measured(m: MeasuredRound): Promise<PeerSliceLine | undefined> {
    const [a, b] = this.slice;
    this.summary.firstRound ??= m.round;
    this.summary.lastRound = m.round;
    if (m.live) this.membership(m.round, m.live);
    if (m.round > 0 && m.traffic) this.peers.addTraffic(m.traffic);
    if (!m.values) return undefined;
    this.peers.clear();
    this.peers.take(a, m.values);
    // this process reports the round, so its own peers are online; the others' are not its to say
    const up = m.live ? Array.from({ length: this.world.config.peers }, (_, i) => i >= a && i < b) : undefined;
    const { peers } = await this.peers.evaluate(m.round, { up, evalPeers: this.world.evalPeers.filter((p) => p >= a && p < b) });
    return slicePeerLine(peers, a, b, this.edges);
  }

  private membership(round: number, live: number[]): void {
    const now = new Set(live);
    const before = this.live ?? new Set(Array.from({ length: this.summary.processes }, (_, q) => q));
    for (const q of before) if (!now.has(q)) this.summary.lost.push({ process: q, round });
    if (this.live) for (const q of now) if (!before.has(q)) this.summary.rejoined.push({ process: q, round });
    this.live = now;
  }

  /** The link report (after the last round): summary.json's rows of this process. */
  done(links: readonly LinkReport[], roundsSeconds: number): LiveLink[] {
    this.summary.end = 'done';
    this.summary.roundsSeconds = roundsSeconds;
    return liveLinks(this.summary.process, links, roundsSeconds);
  }

  account(): ProcessSummary {
    return { ...this.summary };
  }
}
