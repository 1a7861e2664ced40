// The exchange of a live round: the rows one process's slice reads of another's, as frames (or,
// for a row operation that publishes, each such peer's message: CHOCO's compressed update).
// Each process works out both directions from W alone (every process holds the same W), so
// nobody asks for anything: it sends what the others' rows read of its own and awaits what its
// own rows read of theirs. Receiving every awaited row is the round's barrier.
import type { MixingMatrix } from '../types.js';
import { FRAME_KINDS, type Frame, type FrameKind } from './transport/types.js';
import { keyOf, ProcessLost, type Mailbox } from './mailbox.js';
import { bytesFloat64, float64Bytes, rowBytes, writeRows } from './messages.js';
import { firstNonFinite, ProtocolViolation } from './frame-checks.js';
import { framePayloadFloat32 } from './transport/frame.js';
import { DivergenceError } from '../errors.js';

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

/** Process `self`'s plan when every process reads the listed peers' rows (sorted): an all-gather. */
export function gatherPlan(peers: readonly number[], slices: readonly [number, number][], self: number): ExchangePlan {
  const runsIn = ([c, d]: [number, number]): RowRuns => {
    const runs: RowRuns = [];
    for (const j of peers) {
      if (j < c || j >= d) continue;
      const last = runs[runs.length - 1];
      if (last && last[0] + last[1] === j) last[1]++;
      else runs.push([j, 1]);
    }
    return runs;
  };
  const plan: ExchangePlan = { send: [], receive: [] };
  const own = runsIn(slices[self]);
  slices.forEach((slice, q) => {
    if (q === self) return;
    if (own.length > 0) plan.send.push({ to: q, runs: own });
    const receive = runsIn(slice);
    if (receive.length > 0) plan.receive.push({ from: q, runs: receive });
  });
  return plan;
}

/** A rows frame body followed by one float64 per row. */
function withCarry(rows: Uint8Array, values: Float64Array): Uint8Array {
  const body = new Uint8Array(rows.byteLength + values.length * 8);
  body.set(rows);
  body.set(float64Bytes(values), rows.byteLength);
  return body;
}

/** Processes a round's exchange leaves out: not sent to (not in the round yet), not waited for (joining: they send nothing this round). */
export interface Skip {
  send(process: number): boolean;
  receive(process: number): boolean;
}

const NO_SKIP: Skip = { send: () => false, receive: () => false };

/**
 * W with the entries of the peers `gone` says are missing taken out of rows [a, b), each such row
 * rescaled over what is left (W_ij / the sum of the answered weights), as a peer that heard only
 * from some neighbours mixes; and how many rows lost an entry. Other rows are copied as they are.
 */
export function renormalise(w: MixingMatrix, [a, b]: [number, number], gone: (peer: number) => boolean): { w: MixingMatrix; rows: number } {
  const offsets = new Int32Array(w.n + 1);
  const cols: number[] = [];
  const weights: number[] = [];
  let rows = 0;
  for (let i = 0; i < w.n; i++) {
    const start = cols.length;
    let kept = 0;
    let dropped = false;
    for (let k = w.offsets[i]; k < w.offsets[i + 1]; k++) {
      const j = w.cols[k];
      if (i >= a && i < b && j !== i && gone(j)) {
        dropped = true;
        continue;
      }
      cols.push(j);
      weights.push(w.weights[k]);
      kept += w.weights[k];
    }
    if (dropped) {
      rows++;
      for (let k = start; k < weights.length; k++) weights[k] = kept > 0 ? weights[k] / kept : (cols[k] === i ? 1 : 0);
    }
    offsets[i + 1] = cols.length;
  }
  return { w: { n: w.n, offsets, cols: Int32Array.from(cols), weights: Float64Array.from(weights) }, rows };
}

/**
 * Rows [a, b) of `x` set to the mean of the rows W's row reads outside [a, b) that `heard` (their
 * process answered); a row with none such takes the mean of every such row of the slice, and with
 * none at all keeps its own. A rejoining peer starts so: a model fresh from the config would pull
 * its neighbours back towards the start, while their mean joins their consensus at once.
 */
export function neighbourMeans(w: MixingMatrix, x: Float32Array, dim: number, [a, b]: [number, number], heard: (peer: number) => boolean): void {
  const all = new Float64Array(dim);
  let allCount = 0;
  const seen = new Set<number>();
  const means: (Float64Array | undefined)[] = [];
  for (let i = a; i < b; i++) {
    const acc = new Float64Array(dim);
    let count = 0;
    for (let k = w.offsets[i]; k < w.offsets[i + 1]; k++) {
      const j = w.cols[k];
      if ((j >= a && j < b) || !heard(j)) continue;
      const row = x.subarray(j * dim, (j + 1) * dim);
      for (let c = 0; c < dim; c++) acc[c] += row[c];
      count++;
      if (!seen.has(j)) {
        seen.add(j);
        for (let c = 0; c < dim; c++) all[c] += row[c];
        allCount++;
      }
    }
    means.push(count > 0 ? acc.map((v) => v / count) : undefined);
  }
  means.forEach((m, k) => {
    if (m) x.set(m, (a + k) * dim);
    else if (allCount > 0) x.set(all.map((v) => v / allCount), (a + k) * dim);
  });
}

/**
 * One process's side of every round's exchange. Plans depend on W's sparsity only, so they are
 * cached by its column array: a static schedule's W, and the matrices push-sum reweights from it each
 * round, share one plan.
 */
export class Exchanger {
  private readonly plans = new WeakMap<Int32Array | number[], { offsets: MixingMatrix['offsets']; plan: ExchangePlan }>();
  private readonly gathers = new WeakMap<readonly number[], ExchangePlan>();
  /** wall milliseconds spent sending and awaiting rows */
  ms = 0;

  constructor(private readonly mailbox: Mailbox, readonly slices: readonly [number, number][], private readonly self: number, private readonly dim: number) {}

  plan(w: MixingMatrix): ExchangePlan {
    const known = this.plans.get(w.cols);
    if (known && known.offsets === w.offsets) return known.plan;
    const plan = exchangePlan(w, this.slices, this.self);
    this.plans.set(w.cols, { offsets: w.offsets, plan });
    return plan;
  }

  /** The rows W's rows of this slice read, exchanged (see run). */
  mix(round: number, w: MixingMatrix, params: Float32Array, skip?: Skip, carry?: Float64Array): Promise<number[]> {
    return this.run(round, this.plan(w), params, skip, carry);
  }

  /** Every process gets the listed peers' rows (sorted; the same array object each round is planned once). */
  gather(round: number, peers: readonly number[], params: Float32Array, skip?: Skip): Promise<number[]> {
    let plan = this.gathers.get(peers);
    if (!plan) this.gathers.set(peers, (plan = gatherPlan(peers, this.slices, this.self)));
    return this.run(round, plan, params, skip);
  }

  /**
   * Sends the round's own rows of `params` the plan sends, and writes the rows it receives into `params`.
   * Resolves to the lost processes whose rows did not all come (their rows in `params` are stale):
   * a lost process is skipped, not waited for. With `carry` (one float64 per peer, e.g. push-sum's
   * weight shares), each row travels with its entry, written into `carry` on arrival.
   */
  run(round: number, plan: ExchangePlan, params: Float32Array, skip?: Skip, carry?: Float64Array): Promise<number[]> {
    const dim = this.dim;
    return this.transfer(round, plan, {
      kind: FRAME_KINDS.rows,
      frames: (first, count) => {
        // a diverged process says so itself: its neighbours would refuse its rows as a protocol violation
        const bad = firstNonFinite(params.subarray(first * dim, (first + count) * dim));
        if (bad >= 0) throw new DivergenceError(`training diverged at round ${round}: parameters are no longer finite numbers; try a smaller train.lr`, round, first + Math.floor(bad / dim));
        const rows = rowBytes(params, dim, first, count);
        return [{ sender: first, payload: carry ? withCarry(rows, carry.subarray(first, first + count)) : rows }];
      },
      async take(next, from, first, count) {
        const f = await next();
        const rowsLength = count * dim * 4;
        const want = rowsLength + (carry ? count * 8 : 0);
        if (f.sender !== first || f.payload.byteLength !== want) {
          throw new ProtocolViolation(from, `round ${round}: rows ${f.sender}.. in ${f.payload.byteLength} bytes where rows ${first}..${first + count - 1} in ${want} bytes were due (do all processes run the same config?)`);
        }
        const values = framePayloadFloat32({ ...f, payload: f.payload.subarray(0, rowsLength) });
        const bad = firstNonFinite(values);
        if (bad >= 0) throw new ProtocolViolation(from, `round ${round}: peer ${first + Math.floor(bad / dim)}'s row holds ${values[bad]}; a process whose training diverged says so itself and sends nothing`);
        const shares = carry ? bytesFloat64(f.payload.subarray(rowsLength)) : undefined;
        if (shares && firstNonFinite(shares) >= 0) throw new ProtocolViolation(from, `round ${round}: a non-finite weight share among rows ${first}..${first + count - 1}`);
        writeRows(params, dim, first, f.payload.subarray(0, rowsLength));
        if (shares) carry!.set(shares, first);
      },
    }, skip);
  }

  /**
   * Each own peer's message (`message(i)`, a look-up: it is asked once per process it goes to) to
   * the processes the plan sends its row to, one frame per peer; `apply` gets the messages of the
   * peers the plan receives. Resolves to the lost processes whose messages did not all come, as run.
   */
  publish(round: number, plan: ExchangePlan, message: (peer: number) => Uint8Array, apply: (peer: number, payload: Uint8Array) => void, skip?: Skip): Promise<number[]> {
    return this.transfer(round, plan, {
      kind: FRAME_KINDS.update,
      frames: (first, count) => Array.from({ length: count }, (_, k) => ({ sender: first + k, payload: message(first + k) })),
      async take(next, from, first, count) {
        for (let j = first; j < first + count; j++) {
          const f = await next();
          if (f.sender !== j) throw new ProtocolViolation(from, `round ${round}: peer ${f.sender}'s update where peer ${j}'s was due (do all processes run the same config?)`);
          try {
            apply(j, f.payload);
          } catch (e) {
            throw new ProtocolViolation(from, `round ${round}: peer ${j}'s update of ${f.payload.byteLength} bytes cannot be read: ${(e as Error).message}`);
          }
        }
      },
    }, skip);
  }

  /** The sends and receives of a plan, frames made and read by `carrier`; resolves to the lost processes that did not send everything. */
  private async transfer(round: number, plan: ExchangePlan, carrier: Carrier, skip: Skip = NO_SKIP): Promise<number[]> {
    const t0 = performance.now();
    const m = this.mailbox;
    const sent: Promise<void>[] = [];
    // a send to a process lost meanwhile fails: that is its loss, which the receiving side handles
    const unlessLost = (to: number) => (e: unknown) => {
      if (!m.lostBySend(to)) throw e;
    };
    for (const { to, runs } of plan.send) {
      if (m.isLost(to) || skip.send(to)) continue;
      for (const [first, count] of runs) {
        for (const { sender, payload } of carrier.frames(first, count)) {
          sent.push(m.transport.send(to, { round, sender, receiver: -1, kind: carrier.kind, payload }).catch(unlessLost(to)));
        }
      }
    }
    // awaited after the receives; handled now, so that a failed receive leaves no rejection unheard
    const sending = Promise.all(sent);
    sending.catch(() => undefined);
    const key = keyOf(carrier.kind, round);
    const missing: number[] = [];
    await Promise.all(plan.receive.map(async ({ from, runs }) => {
      if (skip.receive(from)) {
        missing.push(from);
        return;
      }
      try {
        for (const [first, count] of runs) await carrier.take(() => m.take(from, key), from, first, count);
      } catch (e) {
        if (!(e instanceof ProcessLost)) throw e;
        missing.push(from);
      }
    }));
    await sending;
    this.ms += performance.now() - t0;
    return missing.sort((x, y) => x - y);
  }
}

/** What one kind of exchange puts in its frames and does with those it takes. */
interface Carrier {
  kind: FrameKind;
  /** the frames of own rows [first, first + count) */
  frames(first: number, count: number): { sender: number; payload: Uint8Array }[];
  /** takes (by `next`) and uses the frames of process `from`'s rows [first, first + count) */
  take(next: () => Promise<Frame>, from: number, first: number, count: number): Promise<void>;
}
