// The engine's primitives: every operation a protocol or a metric may ask of the peers' rows,
// cut into tasks over row or column ranges and run on the executor (inline or in workers).
// Reductions add fixed blocks in a fixed order, so no result depends on the number of workers.
import { aggregationOf, type AggregationSpec } from '../aggregation/index.js';
import type { RoundOps } from '../protocol/index.js';
import type { MixingMatrix } from '../types.js';
import type { BufferIndex, Task } from '../../workers/messages.js';
import type { Executor } from './executor.js';
import { COLUMN_BLOCK, type SharedState } from './shared-state.js';
import type { EngineState } from '../checkpoint/index.js';
import { ConfigError } from '../errors.js';
import { remapMixing, type AdversaryPlan } from '../adversary/index.js';
import type { SignalOp } from '../plasticity/signal.js';

/** [a, b) ranges splitting n items into at most `parts` contiguous pieces. */
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

export interface RuntimeOptions {
  state: SharedState;
  executor: Executor;
  /** the protocol whose row operations ops.rows runs */
  protocol: string;
  aggregation: AggregationSpec;
  localSteps: number;
  /** hostile peers: from plan.start on, every gather hears their crafted messages */
  adversaries?: AdversaryPlan;
  /** the peers [a, b) this runtime trains and whose rows it mixes (a live process's slice); default all */
  rows?: [number, number];
}

export class Runtime {
  /** local steps taken so far, over all peers */
  peerSteps = 0;
  readonly ops: RoundOps;
  private cur: BufferIndex = 0;
  private readonly state: SharedState;
  private readonly executor: Executor;
  /** the peers this runtime trains, and the rows its mix and row tasks write: all, or a live process's slice */
  private readonly all: number[];
  private readonly rowRange: [number, number];
  /** W with adversarial entries pointing at the crafted rows (built on first use) */
  private remapped?: MixingMatrix;

  constructor(private readonly o: RuntimeOptions) {
    this.state = o.state;
    this.executor = o.executor;
    this.rowRange = o.rows ?? [0, o.state.peers];
    const [a, b] = this.rowRange;
    this.all = Array.from({ length: b - a }, (_, i) => a + i);
    this.ops = this.createOps();
  }

  /** The buffer holding the current parameters (rows of dim floats). */
  params(): Float32Array {
    return this.state.params[this.cur];
  }

  /**
   * Tasks per phase: one per worker would be cheapest, but a few per worker lets a worker that
   * finishes early take more (threads are rarely equally fast); each task costs ~0.05-0.1 ms.
   */
  private parts(): number {
    return this.executor.workers <= 1 ? 1 : this.executor.workers * 2;
  }

  private rowTasks(make: (a: number, b: number) => Task): Task[] {
    const [r0, r1] = this.rowRange;
    return ranges(r1 - r0, this.parts()).map(([a, b]) => make(r0 + a, r0 + b));
  }

  private trainTasks(round: number, peers: number[]): Task[] {
    return ranges(peers.length, this.parts()).map(([a, b]) => ({ kind: 'train', round, src: this.cur, peers: peers.slice(a, b) }));
  }

  /** True when round's gather hears crafted messages (round w must be the plan's static matrix). */
  private attacked(round: number, w: MixingMatrix): boolean {
    const plan = this.o.adversaries;
    if (!plan || plan.links.length === 0 || round < plan.start) return false;
    if (w !== plan.w) throw new Error(`engine: crafted attacks need the static mixing matrix (round ${round} mixes with another)`);
    return true;
  }

  /** Under attack: the crafting tasks (over link ranges), then the gather over the extended rows with the remapped W. */
  private mixTasks(round: number, w: MixingMatrix): Task[] {
    const src = this.cur;
    if (!this.attacked(round, w)) return this.rowTasks((a, b) => ({ kind: 'mix', round, src, rowStart: a, rowEnd: b, w, rule: this.o.aggregation }));
    const plan = this.o.adversaries!;
    this.remapped ??= remapMixing(plan);
    const wx = this.remapped;
    const craft: Task[] = ranges(plan.links.length / 2, this.parts()).map(([a, b]) => ({ kind: 'craft', round, src, linkStart: a, linkEnd: b }));
    return [...craft, ...this.rowTasks((a, b): Task => ({ kind: 'mix', round, src, rowStart: a, rowEnd: b, w: wx, rule: this.o.aggregation, ext: true }))];
  }

  /** Runs a round's mix tasks: crafting must finish before any gather reads its rows. */
  private async runMix(tasks: Task[]): Promise<void> {
    const crafts = tasks.filter((t) => t.kind === 'craft');
    if (crafts.length > 0) await this.executor.run(crafts);
    await this.executor.run(tasks.filter((t) => t.kind !== 'craft'));
  }

  private swap(): void {
    this.cur = (1 - this.cur) as BufferIndex;
  }

  async train(round: number, peers: number[] = this.all): Promise<void> {
    await this.executor.run(this.trainTasks(round, peers));
    this.peerSteps += peers.length * this.o.localSteps;
  }

  private createOps(): RoundOps {
    const { state } = this;
    const plainMean = aggregationOf(this.o.aggregation.kind).weightedMean === true;
    const ops: RoundOps = {
      peers: state.peers,
      dim: state.dim,
      vectorBytes: state.dim * 4,
      scalars: (name) => {
        const s = state.scalars[name];
        if (!s) throw new Error(`engine: no per-peer scalar '${name}'; declare it in the protocol's needs.scalars`);
        return s;
      },
      train: (round, peers) => this.train(round, peers),
      mix: async (round, w) => {
        if (plainMean && isUniformAverage(w) && !this.attacked(round, w)) {
          // W = 11^T/n (e.g. Metropolis on a complete graph): one mean instead of n^2 row reads
          await this.columnMean();
          const dst = (1 - this.cur) as BufferIndex;
          await this.executor.run(this.rowTasks((a, b) => ({ kind: 'broadcastMean', dst, rowStart: a, rowEnd: b })));
        } else {
          await this.runMix(this.mixTasks(round, w));
        }
        this.swap();
      },
      trainThenMix: async (round, w) => {
        if (this.executor.workers === 1 && !(plainMean && isUniformAverage(w) && !this.attacked(round, w))) {
          // one worker takes tasks in submission order: no barrier needed, one wake-up saved (crafting included)
          await this.executor.run([...this.trainTasks(round, this.all), ...this.mixTasks(round, w)]);
          this.peerSteps += this.all.length * this.o.localSteps;
          this.swap();
        } else {
          await ops.train(round);
          await ops.mix(round, w);
        }
      },
      averageAll: async (_round, peers) => {
        await this.columnMean(peers);
        await this.executor.run(this.rowTasks((a, b) => ({ kind: 'broadcastMean', dst: this.cur, rowStart: a, rowEnd: b })));
      },
      rows: async (round, op, args) => {
        await this.executor.run(this.rowTasks((a, b) => ({ kind: 'rows', round, src: this.cur, rowStart: a, rowEnd: b, protocol: this.o.protocol, op, args })));
      },
    };
    return ops;
  }

  /** The per-peer state a checkpoint keeps (copies). */
  snapshot(): Pick<EngineState, 'params' | 'optState' | 'stepCount' | 'rngState' | 'cursor' | 'order' | 'buffers' | 'scalars' | 'peerSteps'> {
    const s = this.state;
    const copies = <T extends Float32Array | Float64Array>(r: Record<string, T>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.slice() as T]));
    return {
      params: this.params().slice(), optState: s.optState.slice(), stepCount: s.stepCount.slice(), rngState: s.rngState.slice(),
      cursor: s.cursor.slice(), order: s.order.slice(), buffers: copies(s.buffers), scalars: copies(s.scalars), peerSteps: this.peerSteps,
    };
  }

  /** Puts a checkpoint's per-peer state back (into buffer 0: which buffer holds the rows never changes results). */
  restore(cp: EngineState): void {
    const s = this.state;
    const put = <T extends Float32Array | Float64Array | Int32Array | Uint32Array>(name: string, dst: T, src: T) => {
      if (!src || src.length !== dst.length) throw new ConfigError([`checkpoint: ${name} has ${src?.length} entries, this run needs ${dst.length}`], 'Cannot resume');
      dst.set(src as never);
    };
    this.cur = 0;
    put('params', s.params[0], cp.params);
    put('optState', s.optState, cp.optState);
    put('stepCount', s.stepCount, cp.stepCount);
    put('rngState', s.rngState, cp.rngState);
    put('cursor', s.cursor, cp.cursor);
    put('order', s.order, cp.order);
    for (const [k, v] of Object.entries(s.buffers)) put(`buffer ${k}`, v, cp.buffers[k]);
    for (const [k, v] of Object.entries(s.scalars)) put(`scalar ${k}`, v, cp.scalars[k]);
    this.peerSteps = cp.peerSteps;
  }

  /** Fills state.mean over the given peers (all if absent); returns |mean|^2 summed in a fixed order. */
  async columnMean(peers?: number[]): Promise<number> {
    const dim = this.state.dim;
    const tasks: Task[] = [];
    for (let c = 0; c < dim; c += COLUMN_BLOCK) {
      tasks.push({ kind: 'colMean', src: this.cur, colStart: c, colEnd: Math.min(dim, c + COLUMN_BLOCK), peers });
    }
    const res = await this.executor.run(tasks);
    let sq = 0;
    for (const r of res) if (r.ok) sq += r.value;
    return sq;
  }

  /** Fills state.mean over the given peers (all if absent); returns sum over them of |x_i - mean|^2, two-pass per column block, blocks summed in order. */
  async totalDeviation(peers?: number[]): Promise<number> {
    const { dim, blockStats } = this.state;
    const blocks = Math.ceil(dim / COLUMN_BLOCK);
    await this.executor.run(ranges(blocks, this.parts()).map(([a, b]) => ({
      kind: 'colStats', src: this.cur, colStart: a * COLUMN_BLOCK, colEnd: Math.min(dim, b * COLUMN_BLOCK), peers,
    })));
    let total = 0;
    for (let b = 0; b < blocks; b++) total += blockStats[b];
    return total;
  }

  /** state.distance[i] = |x_i - state.mean|^2 for every peer (state.mean must be fresh). */
  async distances(): Promise<Float64Array> {
    await this.executor.run(this.rowTasks((a, b) => ({ kind: 'distance', src: this.cur, rowStart: a, rowEnd: b })));
    return this.state.distance;
  }

  /** Plasticity's probes (or the cosine signal's snapshot) over every row of the current parameters. */
  async linkSignals(round: number, op: SignalOp): Promise<void> {
    await this.executor.run(this.rowTasks((a, b) => ({ kind: 'linkSignal', round, src: this.cur, rowStart: a, rowEnd: b, op })));
  }

  /** The mean loss of `model` (peer's own row when absent) on peer's probe batch, in one task. */
  async probeLoss(round: number, peer: number, model?: Float32Array): Promise<number> {
    const [r] = await this.executor.run([{ kind: 'probeLoss', round, src: this.cur, peer, model }]);
    return r.ok ? r.value : NaN;
  }

  /** Test correct counts and loss sums of the listed peers into state.evalOut (3 per peer). */
  async evaluate(round: number, peers: number[], testN: number): Promise<Float64Array> {
    await this.executor.run(ranges(peers.length, this.parts()).map(([a, b]) => ({
      kind: 'eval', round, src: this.cur, peers: peers.slice(a, b), testN,
    })));
    return this.state.evalOut;
  }

  /** The membership attack's AUC against each listed peer's model, in order (one task per peer, its value the AUC). */
  async membershipAuc(round: number, peers: number[], testN: number): Promise<number[]> {
    const res = await this.executor.run(peers.map((peer): Task => ({ kind: 'mia', round, src: this.cur, peer, testN })));
    return res.map((r) => (r.ok ? r.value : NaN));
  }

  /** Test correct count and loss sum of the average model, the meanF32 row (state.meanEvalOut: 2 entries); one task. */
  async evaluateMean(round: number, testN: number): Promise<Float64Array> {
    await this.executor.run([{ kind: 'evalMean', round, testN }]);
    return this.state.meanEvalOut;
  }
}
