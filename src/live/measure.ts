// A live round's consensus distance and mean without a centre: src/live/reduce.ts's chain over
// the processes 0 -> 1 -> ... -> P-1, driven with frames. Every process learns the mean (for its
// peers' distances); the last one learns the consensus distance and |mean|^2 for the observer.
import { squaredNorm } from '../metrics/divergence.js';
import {
  carryBytes, carryFromBytes, columnSumsContinue, consensusFromDeviations, createCarry, deviationsContinue, meanOf,
  reduceLayout, type ColumnCarry, type ReduceLayout, type ReducedMean, type StatsPath,
} from './reduce.js';
import { FRAME_KINDS } from './transport/types.js';
import { keyOf, type Mailbox } from './mailbox.js';

export interface Reduced {
  mean: ReducedMean;
  /** on the last process only */
  consensus?: { value: number; meanSq: number };
}

export class ChainReduction {
  private readonly layout: ReduceLayout;
  private jsLayout?: ReduceLayout;
  /** wall milliseconds spent in the reduction */
  ms = 0;

  constructor(
    private readonly mailbox: Mailbox, private readonly self: number, private readonly processes: number,
    private readonly peers: number, dim: number, path: StatsPath,
  ) {
    this.layout = reduceLayout(dim, path);
  }

  /** Reduces the round's rows; `rows` is this process's slice (count rows of dim floats). */
  async run(round: number, rows: Float32Array, count: number): Promise<Reduced> {
    const t0 = performance.now();
    const last = this.processes - 1;
    const sums = await this.pass(round, (c) => columnSumsContinue(c, rows, count, this.layout));
    // the last process holds the final sums; every other process computes the same mean from them
    let final = sums;
    if (this.self === last) {
      await Promise.all(Array.from({ length: last }, (_, q) => this.send(q, round, sums)));
    } else {
      final = await this.receive(last, round);
    }
    const mean = meanOf(final, this.peers, this.layout);
    const devs = await this.pass(round, (c) => deviationsContinue(c, rows, count, this.layout, mean));
    const out: Reduced = { mean };
    if (this.self === last) out.consensus = { value: consensusFromDeviations(devs, this.peers, this.layout), meanSq: squaredNorm(mean.mean) };
    this.ms += performance.now() - t0;
    return out;
  }

  /**
   * The average model's mean (eval.averageModel): columnMean's float64 sums over every row, chained
   * like pass 1 in the 'js' layout; only the last process gets it (it evaluates the model).
   */
  async averageModel(round: number, rows: Float32Array, count: number): Promise<ReducedMean | undefined> {
    const t0 = performance.now();
    const layout = (this.jsLayout ??= reduceLayout(this.layout.dim, 'js'));
    const sums = await this.pass(round, (c) => columnSumsContinue(c, rows, count, layout), layout);
    this.ms += performance.now() - t0;
    return this.self === this.processes - 1 ? meanOf(sums, this.peers, layout) : undefined;
  }

  /** One pass along the chain: the carry from the previous process, this one's rows, on to the next; the last keeps it. */
  private async pass(round: number, add: (c: ColumnCarry) => void, layout = this.layout): Promise<ColumnCarry> {
    const carry = this.self === 0 ? createCarry(layout) : await this.receive(this.self - 1, round, layout);
    add(carry);
    if (this.self < this.processes - 1) await this.send(this.self + 1, round, carry);
    return carry;
  }

  private send(to: number, round: number, carry: ColumnCarry): Promise<void> {
    return this.mailbox.transport.send(to, { round, sender: -1, receiver: -1, kind: FRAME_KINDS.reduce, payload: carryBytes(carry).slice() });
  }

  private async receive(from: number, round: number, layout = this.layout): Promise<ColumnCarry> {
    // frames from one process arrive in order: pass 1, the final sums, pass 2 (then the average model's pass)
    const f = await this.mailbox.take(from, keyOf(FRAME_KINDS.reduce, round));
    return carryFromBytes(layout, f.payload);
  }
}
