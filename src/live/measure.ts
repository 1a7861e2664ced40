// A live round's consensus distance and mean without a centre: src/live/reduce.ts's chain over
// the processes 0 -> 1 -> ... -> P-1, driven with frames. Every process learns the mean (for its
// peers' distances); the last one learns the consensus distance and |mean|^2 for the observer.
import { squaredNorm } from '../metrics/divergence.js';
import { ranges } from '../engine/runtime.js';
import { COLUMN_BLOCK } from '../engine/shared-state.js';
import { createSharedWasmMemory, instantiateExchange, sharedWasmMemoryOf, type ExchangeKernels } from '../wasm/exchange.js';
import {
  carryBytes, carryInto, columnSumsContinue, createCarry, deviationsContinue, meanOf, reduceLayout, totalFromDeviations,
  type ColumnCarry, type ReduceLayout, type ReducedMean, type RowSpan, type StatsPath,
} from './reduce.js';
import { FRAME_KINDS } from './transport/types.js';
import { keyOf, ProcessLost, type Mailbox } from './mailbox.js';
import { ProtocolViolation } from './frame-checks.js';

export interface Reduced {
  mean: ReducedMean;
  /** on the last process only */
  consensus?: { value: number; meanSq: number };
}

/** Pieces of columns the chain passes on separately: enough to overlap the processes, few enough to keep frames large. */
const PIECES = 4;

/** Whole column blocks of the reduction, reduced on their own so the chain is pipelined piece by piece. */
interface Piece {
  c0: number;
  c1: number;
  layout: ReduceLayout;
}

/**
 * A copy of a slice's rows that the next round cannot change (its training writes the rows in
 * place while this round's chain runs): one buffer, reused, so a chain must end before the next
 * copy. In a WebAssembly memory of its own when the rows are in one, so the chain's SIMD kernels
 * read it there.
 */
export class RowSnapshot {
  private rows?: Float32Array;

  take(rows: Float32Array): Float32Array {
    if (this.rows?.length !== rows.length) {
      const memory = sharedWasmMemoryOf(rows) ? createSharedWasmMemory(rows.byteLength) : undefined;
      this.rows = memory ? new Float32Array(memory.buffer, 0, rows.length) : new Float32Array(rows.length);
    }
    this.rows.set(rows);
    return this.rows;
  }
}

export class ChainReduction {
  private readonly layout: ReduceLayout;
  private jsLayout?: ReduceLayout;
  /**
   * The engine's column blocks in PIECES contiguous groups, each its own layout: a block's figures
   * depend on its columns only and the total adds block totals in block order (addTotals), so
   * reducing piece by piece gives the same bits, while process k works on piece i + 1 as k + 1 works on piece i.
   */
  private readonly pieces: Piece[] = [];
  /** each piece's carries of pass 1 (then its final sums) and pass 2, and the mean: reused run after run */
  private readonly sums: ColumnCarry[] = [];
  private readonly devs: ColumnCarry[] = [];
  private readonly mean: ReducedMean;
  /** the sends of the current pass not yet waited for */
  private readonly sending: Promise<void>[] = [];
  /** one-block layouts by width, for the blocks' totals */
  private readonly blockLayouts = new Map<number, ReduceLayout>();
  /** the exchange kernels on the memory holding the rows (found on the first round), null when they are not in one */
  private kernels?: ExchangeKernels | null;
  /** wall milliseconds spent in the reduction */
  ms = 0;
  /** the processes of the chain in index order and the peers they host (every one until a process is lost) */
  private order: readonly number[];
  private count: number;

  constructor(
    private readonly mailbox: Mailbox, private readonly self: number, private readonly processes: number,
    private readonly peers: number, dim: number, path: StatsPath, _count: number,
  ) {
    this.layout = reduceLayout(dim, path);
    this.order = Array.from({ length: processes }, (_, k) => k);
    this.count = peers;
    for (const [b0, b1] of ranges(Math.ceil(dim / COLUMN_BLOCK), PIECES)) {
      const c0 = b0 * COLUMN_BLOCK;
      const c1 = Math.min(dim, b1 * COLUMN_BLOCK);
      const layout = reduceLayout(c1 - c0, path);
      this.pieces.push({ c0, c1, layout });
      this.sums.push(createCarry(layout));
      this.devs.push(createCarry(layout));
    }
    this.mean = { mean: new Float64Array(dim), meanF32: new Float32Array(dim) };
  }

  /** After a loss: the chain is formed over the live processes `order` (index order), the mean taken over their `peers` peers. */
  setMembers(order: readonly number[], peers: number): void {
    this.order = order;
    this.count = peers;
  }

  /** The total of a piece's squared deviations as the engine adds them: block by block, onto the running total. */
  private addTotals(total: number, devs: ColumnCarry, layout: ReduceLayout): number {
    for (const b of layout.blocks) {
      const width = b.c1 - b.c0;
      const one = this.blockLayouts.get(width) ?? this.blockLayouts.set(width, reduceLayout(width, layout.path)).get(width)!;
      const block = { vec: devs.vec.subarray(b.vecAt, b.vecAt + (b.vecEnd - b.c0)), tail: devs.tail.subarray(b.tailAt, b.tailAt + (b.c1 - b.vecEnd)) };
      total += totalFromDeviations(block, one);
    }
    return total;
  }

  /**
   * Reduces the round's rows; `rows` is this process's slice (count rows of dim floats). One run at
   * a time: the carries and the mean returned are reused by the next run.
   */
  async run(round: number, rows: Float32Array, count: number): Promise<Reduced> {
    const t0 = performance.now();
    this.sending.length = 0; // an abandoned run's, if any (their failures are caught)
    const last = this.order[this.order.length - 1];
    // pass 1, block by block along the chain; the last process sends each block's final sums to every other
    for (const [i, piece] of this.pieces.entries()) {
      const span = this.spanOf(piece, rows);
      const sums = await this.pass(round, (c) => columnSumsContinue(c, rows, count, piece.layout, undefined, span), this.sums[i], piece.layout);
      if (this.self === last) for (const q of this.order) if (q !== last) this.send(q, round, sums);
    }
    // pass 2 with each block's mean, as its final sums come (into pass 1's carry, sent on already)
    const { mean } = this;
    let total = 0;
    for (const [i, piece] of this.pieces.entries()) {
      const final = this.self === last ? this.sums[i] : await this.receive(last, round, this.sums[i], piece.layout);
      const m = meanOf(final, this.count, piece.layout, { mean: mean.mean.subarray(piece.c0, piece.c1), meanF32: mean.meanF32.subarray(piece.c0, piece.c1) });
      const span = this.spanOf(piece, rows);
      const devs = await this.pass(round, (c) => deviationsContinue(c, rows, count, piece.layout, m, undefined, span), this.devs[i], piece.layout);
      if (this.self === last) total = this.addTotals(total, devs, piece.layout);
    }
    await this.sent();
    const out: Reduced = { mean };
    if (this.self === last) out.consensus = { value: total / this.count, meanSq: squaredNorm(mean.mean) };
    this.ms += performance.now() - t0;
    return out;
  }

  /** The piece's columns within the slice's rows, and the kernels when the rows are in a WebAssembly memory. */
  private spanOf(piece: Piece, rows: Float32Array): RowSpan {
    if (this.kernels === undefined || (this.kernels && this.kernels.memory.buffer !== rows.buffer)) {
      const memory = this.layout.path === 'simd' ? sharedWasmMemoryOf(rows) : undefined;
      this.kernels = memory ? instantiateExchange(memory) : null;
    }
    return { stride: this.layout.dim, at: piece.c0, kernels: this.kernels ?? undefined };
  }

  /**
   * The average model's mean (eval.averageModel): columnMean's float64 sums over every row, chained
   * like pass 1 in the 'js' layout; only the last process gets it (it evaluates the model).
   */
  async averageModel(round: number, rows: Float32Array, count: number): Promise<ReducedMean | undefined> {
    const t0 = performance.now();
    const layout = (this.jsLayout ??= reduceLayout(this.layout.dim, 'js'));
    const sums = await this.pass(round, (c) => columnSumsContinue(c, rows, count, layout), createCarry(layout), layout);
    await this.sent();
    this.ms += performance.now() - t0;
    return this.self === this.order[this.order.length - 1] ? meanOf(sums, this.count, layout) : undefined;
  }

  /** One pass along the chain, in `carry`: zeros or the previous process's carry, plus this one's rows, on to the next; the last keeps it. */
  private async pass(round: number, add: (c: ColumnCarry) => void, carry: ColumnCarry, layout: ReduceLayout): Promise<ColumnCarry> {
    const at = this.order.indexOf(this.self);
    if (at === 0) carryBytes(carry).fill(0);
    else await this.receive(this.order[at - 1], round, carry, layout);
    add(carry);
    if (at < this.order.length - 1) this.send(this.order[at + 1], round, carry);
    return carry;
  }

  /**
   * Every transport copies the payload into its frame as send is called, so the carry may be
   * written again at once; the send itself is not waited for here (it queues behind the round's
   * rows to that process), only at the end of the pass (sent()).
   */
  private send(to: number, round: number, carry: ColumnCarry): void {
    // a failed send is the next process's loss (the chain is then abandoned), whatever the transport rejected with
    const sending = this.mailbox.transport.send(to, { round, sender: -1, receiver: -1, kind: FRAME_KINDS.reduce, payload: carryBytes(carry) }).catch((e: unknown) => {
      if (this.mailbox.lostBySend(to)) throw new ProcessLost(to, 'disconnected', `live: process ${to} is lost`);
      throw e;
    });
    sending.catch(() => undefined);
    this.sending.push(sending);
  }

  /** Waits for the sends so far (a failed one throws, as a lost process's does). */
  private async sent(): Promise<void> {
    await Promise.all(this.sending.splice(0));
  }

  /** The next carry from `from` copied into `into`. */
  private async receive(from: number, round: number, into: ColumnCarry, layout: ReduceLayout): Promise<ColumnCarry> {
    // frames from one process arrive in order: pass 1's blocks, pass 2's (the last process's: the final sums), then the average model's pass
    const f = await this.mailbox.take(from, keyOf(FRAME_KINDS.reduce, round));
    try {
      return carryInto(into, layout, f.payload);
    } catch (e) {
      throw new ProtocolViolation(from, `round ${round}: a consensus chain frame: ${(e as Error).message}`);
    }
  }
}
