import { describe, expect, it } from 'vitest';
import { COLUMN_BLOCK, createSharedState, type SharedState, type TrainSettings } from '../../src/engine/shared-state.js';
import { createExecutor } from '../../src/engine/executor.js';
import { Runtime } from '../../src/engine/runtime.js';
import { consensusDistance } from '../../src/metrics/consensus.js';
import { squaredNorm } from '../../src/metrics/divergence.js';
import { createRng, type Rng } from '../../src/rng.js';
import { instantiateExchange, sharedWasmMemoryOf, withScratchSlot, type ExchangeKernels } from '../../src/wasm/exchange.js';
import {
  carryByteLength, carryBytes, carryFromBytes, columnSumsContinue, consensusFromDeviations, createCarry, deviationsContinue,
  distancesTo, meanOf, reduceLayout, reduceTraffic, type ColumnCarry, type ReduceLayout, type RowSpan, type StatsPath,
} from '../../src/live/reduce.js';

const DIMS = [1, 15, 16, 17, 100, COLUMN_BLOCK - 1, COLUMN_BLOCK + 37, 101770];
const NS = [1, 2, 5, 64];

/**
 * n rows of dim floats over many magnitudes: per-column offsets from 2^-12 to 2^11 and, within a
 * column, spreads over 2^16 and rare outliers 2^10 times larger; the spread's scale also depends on
 * the column mod 4 (the kernel's lane), so the four lanes' totals differ in scale.
 */
function matrix(n: number, dim: number): Float32Array {
  const rng = createRng(11, 'live-reduce', n, dim);
  const sign = () => (rng.next() < 0.5 ? -1 : 1);
  const laneShift = [0, -8, 8, 16];
  const base = Float64Array.from({ length: dim }, () => sign() * 2 ** (rng.int(24) - 12) * (1 + rng.next()));
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dim; c++) {
      const outlier = rng.int(64) === 0 ? 10 + rng.int(4) : 0;
      x[i * dim + c] = base[c] + sign() * 2 ** (laneShift[c % 4] + outlier + rng.int(16) - 8) * (1 + rng.next());
    }
  }
  return x;
}

/** The honest peers of the subset path: every peer but those i % 3 == 1. */
function honestOf(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1);
}

interface Reference {
  consensus: number;
  mean: Float64Array;
  meanF32: Float32Array;
  meanSq: number;
  distance: Float64Array;
  /** consensusDistance over the honest peers (the subset path) and the mean it leaves */
  subset: { consensus: number; mean: Float64Array; meanF32: Float32Array };
  /** runtime.columnMean() (the average model's mean) */
  columnMean: { mean: Float64Array; meanF32: Float32Array };
  /** the rows as the simulator holds them: in its WebAssembly memory on the SIMD path */
  params: Float32Array;
}

const settings: TrainSettings = {
  model: { kind: 'logistic', inputs: 1, hidden: [], classes: 2 }, kernelPath: 'fast', optimizer: { kind: 'sgd' }, lr: 0.1,
  batchSize: 1, localSteps: 1, backend: 'auto', seed: 1, classes: 2, plugins: [], stages: [],
};

/** The simulator's own metrics on the whole matrix: a real SharedState and Runtime, inline (workers 0). */
async function simulate(rows: Float32Array, n: number, dim: number, simd: boolean): Promise<Reference> {
  const base = createSharedState({ peers: n, dim, optSlots: 0, features: 1, trainSize: 0, testSize: 0, simdExchange: simd });
  const state: SharedState = {
    ...base, order: new Int32Array(1), partOffsets: new Int32Array(n + 1), trainX: new Float32Array(1), trainY: new Uint8Array(1),
    testX: new Float32Array(1), testY: new Uint8Array(1),
  };
  expect(state.memory !== undefined).toBe(simd);
  state.params[0].set(rows);
  const { executor } = await createExecutor({ state, settings }, 0);
  try {
    const runtime = new Runtime({ state, executor, protocol: 'dpsgd', aggregation: { kind: 'mean' } as never, localSteps: 1 });
    const all = Array.from({ length: n }, (_, i) => i);
    const consensus = await consensusDistance(runtime, all, n);
    const mean = state.mean.slice();
    const meanF32 = state.meanF32.slice();
    const meanSq = squaredNorm(state.mean);
    const distance = (await runtime.distances()).slice();
    const honest = honestOf(n);
    const subsetConsensus = await consensusDistance(runtime, honest, n);
    const subset = { consensus: subsetConsensus, mean: state.mean.slice(), meanF32: state.meanF32.slice() };
    await runtime.columnMean();
    return { consensus, mean, meanF32, meanSq, distance, subset, columnMean: { mean: state.mean.slice(), meanF32: state.meanF32.slice() }, params: state.params[0] };
  } finally {
    await executor.close();
  }
}

/** What a hop does to a carry: its bytes, copied into a frame at an odd offset, read back by the next process. */
function hop(layout: ReduceLayout, carry: ColumnCarry): ColumnCarry {
  const frame = new Uint8Array(carryByteLength(layout) + 1).subarray(1);
  frame.set(carryBytes(carry));
  return carryFromBytes(layout, frame);
}

interface Chained {
  consensus: number;
  mean: Float64Array;
  meanF32: Float32Array;
  distance: Float64Array;
}

/**
 * The live reduction: process k holds rows [bounds[k], bounds[k+1]) and sees only them; carries go
 * 0 -> 1 -> ... -> P-1 through bytes; with `honest`, each process reduces only its honest rows.
 */
function chain(rows: Float32Array, dim: number, bounds: number[], layout: ReduceLayout, honest?: number[], kernels?: ExchangeKernels): Chained {
  const P = bounds.length - 1;
  const slice = (k: number) => rows.subarray(bounds[k] * dim, bounds[k + 1] * dim);
  const count = (k: number) => bounds[k + 1] - bounds[k];
  const pick = (k: number) => honest?.filter((i) => i >= bounds[k] && i < bounds[k + 1]).map((i) => i - bounds[k]);
  const reduced = honest ? honest.length : bounds[P];
  let sums = createCarry(layout);
  for (let k = 0; k < P; k++) {
    columnSumsContinue(sums, slice(k), count(k), layout, pick(k), kernels && { stride: dim, at: 0, kernels });
    sums = hop(layout, sums);
  }
  const mean = meanOf(sums, reduced, layout);
  let devs = createCarry(layout);
  for (let k = 0; k < P; k++) {
    deviationsContinue(devs, slice(k), count(k), layout, mean, pick(k), kernels && { stride: dim, at: 0, kernels });
    devs = hop(layout, devs);
  }
  const distance = new Float64Array(bounds[P]);
  for (let k = 0; k < P; k++) distancesTo(slice(k), count(k), mean.mean, distance.subarray(bounds[k], bounds[k + 1]));
  return { consensus: consensusFromDeviations(devs, reduced, layout), mean: mean.mean, meanF32: mean.meanF32, distance };
}

/** Every way of cutting n rows into `parts` non-empty contiguous slices, as boundaries [0, ..., n]. */
function allCuts(n: number, parts: number): number[][] {
  const out: number[][] = [];
  const rec = (from: number, left: number, acc: number[]) => {
    if (left === 0) {
      out.push([0, ...acc, n]);
      return;
    }
    for (let b = from; b <= n - left; b++) rec(b + 1, left - 1, [...acc, b]);
  };
  if (parts <= n) rec(1, parts - 1, []);
  return out;
}

function sampledCut(rng: Rng, n: number, parts: number): number[] {
  const inner = new Set<number>();
  while (inner.size < parts - 1) inner.add(1 + rng.int(n - 1));
  return [0, ...[...inner].sort((a, b) => a - b), n];
}

/**
 * The cuts tried: every cut into 1..4 slices for small n; for n = 64 (41,728 cuts) every cut into 1,
 * 2 and 3 slices on the narrow matrices, and on every matrix the extreme ones and seeded samples.
 */
function cutsFor(n: number, dim: number): number[][] {
  if (n <= 5) return [1, 2, 3, 4].flatMap((p) => allCuts(n, p));
  const rng = createRng(5, 'live-reduce-cuts', dim);
  const narrow = dim <= 17;
  const extreme = [[1], [n - 1], [n >> 1], [1, 2], [n - 2, n - 1], [1, n - 1], [1, 2, 3], [n - 3, n - 2, n - 1], [1, n >> 1, n - 1]].map((c) => [0, ...c, n]);
  const cuts = narrow ? [1, 2, 3].flatMap((p) => allCuts(n, p)) : [[0, n], ...extreme];
  const samples = narrow ? 300 : dim <= 2 * COLUMN_BLOCK ? 6 : 1;
  for (const p of [2, 3, 4]) for (let s = 0; s < samples; s++) cuts.push(sampledCut(rng, n, p));
  if (narrow) cuts.push(...extreme.filter((c) => c.length === 5));
  return cuts;
}

/** -1 when a and b hold the same values bit for bit (+0 and -0 differ), else the first index that differs. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function expectSame(got: Chained, want: { consensus: number; mean: Float64Array; meanF32: Float32Array; distance?: Float64Array }, where: string): void {
  expect(got.consensus, `${where}: consensus`).toBe(want.consensus);
  expect(firstDiff(got.mean, want.mean), `${where}: mean`).toBe(-1);
  expect(firstDiff(got.meanF32, want.meanF32), `${where}: meanF32`).toBe(-1);
  if (want.distance) expect(firstDiff(got.distance, want.distance), `${where}: distances`).toBe(-1);
}

describe('the live reduction over slices of rows', () => {
  for (const dim of DIMS) {
    for (const n of NS) {
      it(`gives the simulator's consensus, mean and distances bit for bit (n ${n}, dim ${dim}, every path, any cut)`, async () => {
        const rows = matrix(n, dim);
        const cuts = cutsFor(n, dim);
        for (const simd of [true, false]) {
          const ref = await simulate(rows, n, dim, simd);
          const path: StatsPath = simd ? 'simd' : 'js';
          const layout = reduceLayout(dim, path);
          for (const cut of cuts) {
            const got = chain(rows, dim, cut, layout);
            expectSame(got, ref, `${path}, slices ${cut.join('|')}`);
            expect(squaredNorm(got.mean)).toBe(ref.meanSq);
          }
          if (!simd) continue;
          // the same chain with the float32 columns in the kernels, on the rows in the simulator's memory
          const memory = sharedWasmMemoryOf(ref.params);
          expect(memory).toBeDefined();
          const kernels = instantiateExchange(memory!);
          for (const cut of cuts) expectSame(chain(ref.params, dim, cut, layout, undefined, kernels), ref, `simd kernels, slices ${cut.join('|')}`);
          // the subset path (adversaries present) and the average model's mean are the float64 loop
          const js = reduceLayout(dim, 'js');
          for (const cut of cuts.slice(0, 12)) {
            if (n > 1) expectSame(chain(rows, dim, cut, js, honestOf(n)), ref.subset, `honest subset, slices ${cut.join('|')}`);
            const mean = chain(rows, dim, cut, js);
            expect(firstDiff(mean.meanF32, ref.columnMean.meanF32), `average model mean, slices ${cut.join('|')}`).toBe(-1);
            expect(firstDiff(mean.mean, ref.columnMean.mean)).toBe(-1);
          }
        }
      });
    }
  }
});

describe('the test matrices', () => {
  const n = 64;
  const dim = COLUMN_BLOCK + 37;
  const rows = matrix(n, dim);
  const bounds = [0, 9, 30, 31, n];

  it('tell float64 sums apart from the kernel float32 ones', async () => {
    const ref = await simulate(rows, n, dim, true);
    // the float64 loop's arithmetic on every column: what a reduction in doubles would give
    const wrong = chain(rows, dim, bounds, reduceLayout(dim, 'js'));
    expect(wrong.consensus).not.toBe(ref.consensus);
    expect(firstDiff(wrong.meanF32, ref.meanF32)).not.toBe(-1);
  });

  it('tell a sum of per-slice partial sums apart from one running sum', async () => {
    const ref = await simulate(rows, n, dim, true);
    const layout = reduceLayout(dim, 'simd');
    const total = createCarry(layout);
    for (let k = 0; k < bounds.length - 1; k++) {
      const part = createCarry(layout);
      columnSumsContinue(part, rows.subarray(bounds[k] * dim, bounds[k + 1] * dim), bounds[k + 1] - bounds[k], layout);
      for (let v = 0; v < part.vec.length; v++) total.vec[v] += part.vec[v];
      for (let t = 0; t < part.tail.length; t++) total.tail[t] += part.tail[t];
    }
    expect(firstDiff(meanOf(total, n, layout).meanF32, ref.meanF32)).not.toBe(-1);
  });

  it('tell the kernel lane order apart from adding the columns in order', async () => {
    const ref = await simulate(rows, n, dim, true);
    const layout = reduceLayout(dim, 'simd');
    const sums = createCarry(layout);
    columnSumsContinue(sums, rows, n, layout);
    const devs = createCarry(layout);
    deviationsContinue(devs, rows, n, layout, meanOf(sums, n, layout));
    expect(consensusFromDeviations(devs, n, layout)).toBe(ref.consensus);
    let inOrder = 0;
    for (const v of devs.vec) inOrder += v;
    for (const t of devs.tail) inOrder += t;
    expect(inOrder / n).not.toBe(ref.consensus);
  });
});

describe('the reduction on a span of columns', () => {
  const n = 7;
  const dim = 3 * COLUMN_BLOCK + 21;
  const rows = matrix(n, dim);
  const bounds = [0, 3, n];

  /** The chain over columns [c0, c1) of the rows read in place (stride dim), carried in pieces and hopped at odd offsets. */
  function spanChain(x: Float32Array, c0: number, c1: number, path: StatsPath, kernels?: ExchangeKernels): Chained {
    const layout = reduceLayout(c1 - c0, path);
    const span: RowSpan = { stride: dim, at: c0, kernels };
    const slice = (k: number) => x.subarray(bounds[k] * dim, bounds[k + 1] * dim);
    let sums = createCarry(layout);
    for (let k = 0; k < 2; k++) {
      columnSumsContinue(sums, slice(k), bounds[k + 1] - bounds[k], layout, undefined, span);
      sums = hop(layout, sums);
    }
    const mean = meanOf(sums, n, layout);
    let devs = createCarry(layout);
    for (let k = 0; k < 2; k++) {
      deviationsContinue(devs, slice(k), bounds[k + 1] - bounds[k], layout, mean, undefined, span);
      devs = hop(layout, devs);
    }
    return { consensus: consensusFromDeviations(devs, n, layout), mean: mean.mean, meanF32: mean.meanF32, distance: new Float64Array(0) };
  }

  /** The same columns copied out into rows of their own, reduced from column 0 by the JS loops. */
  function copied(c0: number, c1: number, path: StatsPath): Chained {
    const w = c1 - c0;
    const x = new Float32Array(n * w);
    for (let r = 0; r < n; r++) x.set(rows.subarray(r * dim + c0, r * dim + c1), r * w);
    return { ...chain(x, w, bounds, reduceLayout(w, path)), distance: new Float64Array(0) };
  }

  const spans = [[0, dim], [COLUMN_BLOCK, 3 * COLUMN_BLOCK], [2 * COLUMN_BLOCK, dim]];

  it('gives what the copied columns give, in the JS loops and in the kernels', async () => {
    const ref = await simulate(rows, n, dim, true);
    const kernels = instantiateExchange(sharedWasmMemoryOf(ref.params)!);
    for (const [c0, c1] of spans) {
      for (const path of ['simd', 'js'] as const) {
        const want = copied(c0, c1, path);
        expectSame(spanChain(rows, c0, c1, path), want, `${path} JS loops, columns ${c0}..${c1}`);
        expectSame(spanChain(ref.params, c0, c1, path, kernels), want, `${path} with kernels, columns ${c0}..${c1}`);
      }
    }
  });

  it('falls back to the JS loops, with the same bits, when every scratch slot is taken', async () => {
    const ref = await simulate(rows, n, dim, true);
    const kernels = instantiateExchange(sharedWasmMemoryOf(ref.params)!);
    const want = copied(0, dim, 'simd');
    let held = 0;
    const holdAll = (): Chained => (withScratchSlot(kernels, () => (held++, holdAll())) ?? spanChain(ref.params, 0, dim, 'simd', kernels));
    expectSame(holdAll(), want, 'every slot taken');
    expect(held).toBe(16);
    expect(withScratchSlot(kernels, () => 'free again')).toBe('free again');
  });
});

describe('a carry on the wire', () => {
  it('has float32 for the kernel columns and float64 for the JS loop columns, and says when it does not fit', () => {
    const simd = reduceLayout(COLUMN_BLOCK + 37, 'simd');
    expect([simd.vecColumns, simd.tailColumns]).toEqual([COLUMN_BLOCK + 32, 5]);
    expect(reduceLayout(COLUMN_BLOCK + 37, 'js').tailColumns).toBe(COLUMN_BLOCK + 37);
    expect(reduceTraffic(101770, 4)).toEqual({ bytesPerHop: 101760 * 4 + 10 * 8, hopsPerPass: 3, meanMessages: 3, bytesPerRound: 9 * (101760 * 4 + 10 * 8) });
    expect(reduceTraffic(101770, 1).bytesPerRound).toBe(0);
    expect(() => carryFromBytes(simd, new Uint8Array(12))).toThrow(/same config/);
  });
});
