// The exchange of a live round: the rows one process's slice reads of another's, as frames.
// Each process works out both directions from W alone (every process holds the same W), so
// nobody asks for anything: it sends what the others' rows read of its own and awaits what its
// own rows read of theirs. Receiving every awaited row is the round's barrier.
import type { MixingMatrix } from '../types.js';
import { FRAME_KINDS } from './transport/types.js';
import { keyOf, type Mailbox } from './mailbox.js';
import { rowBytes, writeRows } from './messages.js';

/** [first row, count] runs of consecutive rows, one frame each. */
export type RowRuns = [first: number, count: number][];

export interface ExchangePlan {
  /** to each other process, the runs of own rows some row of its slice reads */
  send: { to: number; runs: RowRuns }[];
  /** from each other process, the runs of its rows some own row reads */
  receive: { from: number; runs: RowRuns }[];
}

/** The rows of [c, d) that rows [a, b) read in w: every stored entry counts (robust rules read an entry whatever its weight). */
function readRuns(w: MixingMatrix, [a, b]: [number, number], [c, d]: [number, number]): RowRuns {
  const read = new Uint8Array(d - c);
  for (let i = a; i < b; i++) {
    for (let k = w.offsets[i]; k < w.offsets[i + 1]; k++) {
      const j = w.cols[k];
      if (j >= c && j < d) read[j - c] = 1;
    }
  }
  const runs: RowRuns = [];
  for (let j = 0; j < read.length; j++) {
    if (!read[j]) continue;
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === c + j) last[1]++;
    else runs.push([c + j, 1]);
  }
  return runs;
}

/** Process `self`'s plan for w over the processes' slices. */
export function exchangePlan(w: MixingMatrix, slices: readonly [number, number][], self: number): ExchangePlan {
  const plan: ExchangePlan = { send: [], receive: [] };
  const own = slices[self];
  slices.forEach((slice, q) => {
    if (q === self) return;
    const send = readRuns(w, slice, own);
    if (send.length > 0) plan.send.push({ to: q, runs: send });
    const receive = readRuns(w, own, slice);
    if (receive.length > 0) plan.receive.push({ from: q, runs: receive });
  });
  return plan;
}

/** One process's side of every round's exchange, with the plans cached per W (stable under a static schedule). */
export class Exchanger {
  private readonly plans = new WeakMap<MixingMatrix, ExchangePlan>();
  /** wall milliseconds spent sending and awaiting rows */
  ms = 0;

  constructor(private readonly mailbox: Mailbox, private readonly slices: readonly [number, number][], private readonly self: number, private readonly dim: number) {}

  plan(w: MixingMatrix): ExchangePlan {
    let p = this.plans.get(w);
    if (!p) this.plans.set(w, (p = exchangePlan(w, this.slices, this.self)));
    return p;
  }

  /** Sends the round's own rows of `params` the others read, and writes the rows this slice reads into `params`. */
  async run(round: number, w: MixingMatrix, params: Float32Array): Promise<void> {
    const t0 = performance.now();
    const { transport } = this.mailbox;
    const plan = this.plan(w);
    const sent: Promise<void>[] = [];
    for (const { to, runs } of plan.send) {
      for (const [first, count] of runs) {
        sent.push(transport.send(to, { round, sender: first, receiver: -1, kind: FRAME_KINDS.rows, payload: rowBytes(params, this.dim, first, count) }));
      }
    }
    const key = keyOf(FRAME_KINDS.rows, round);
    await Promise.all(plan.receive.map(async ({ from, runs }) => {
      for (const [first, count] of runs) {
        const f = await this.mailbox.take(from, key);
        if (f.sender !== first || f.payload.byteLength !== count * this.dim * 4) {
          throw new Error(`live: round ${round}: process ${from} sent rows ${f.sender}.. (${f.payload.byteLength} bytes) where rows ${first}..${first + count - 1} were due; do all processes run the same config?`);
        }
        writeRows(params, this.dim, first, f.payload);
      }
    }));
    await Promise.all(sent);
    this.ms += performance.now() - t0;
  }
}
