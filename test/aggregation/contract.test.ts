// One contract suite over every aggregation rule in the registry, plus exact answers and the
// robustness each rule is for.
import { describe, expect, it } from 'vitest';
import { aggregate, aggregationRegistry, type AggregationEnv, type AggregationSpec } from '../../src/aggregation/index.js';
import { loadPlugins } from '../../src/config/plugins.js';
import { EXAMPLE_PLUGINS } from '../plugins/examples.js';

// the example plug-ins' rules are held to the same contract as the built-ins
await loadPlugins(EXAMPLE_PLUGINS);
import { createScratch } from '../../src/engine/scratch.js';
import { createMixing, ring, complete } from '../../src/topology/index.js';
import { mixRows } from '../../src/topology/mix-rows.js';
import { windowMeanRows, type Window } from '../../src/aggregation/order-statistics.js';
import { squaredDistance } from '../../src/aggregation/distance.js';
import { createSharedWasmMemory, instantiateExchange, windowMeanSimd } from '../../src/wasm/index.js';
import { createRng } from '../../src/rng.js';
import type { MixingMatrix } from '../../src/types.js';
import { ConfigError } from '../../src/errors.js';
import { runRecorded, smallConfig, stripTimes } from '../engine/helpers.js';

/** A usable spec of every registered rule; a rule added without one here fails the first test. */
const SPECS: Record<string, AggregationSpec> = {
  mean: { kind: 'mean' },
  median: { kind: 'median' },
  'trimmed-mean': { kind: 'trimmed-mean', trim: 1 },
  krum: { kind: 'krum', f: 1 },
  'multi-krum': { kind: 'multi-krum', f: 1, m: 2 },
  'clipped-gossip': { kind: 'clipped-gossip', tau: 'adaptive' },
  'geometric-median': { kind: 'geometric-median', iterations: 3, nu: 1e-6 } as unknown as AggregationSpec,
};

function env(dim: number): AggregationEnv {
  const scratch = createScratch();
  const windows = { sorted: (k: number) => scratch.f32('sorted', k), bases: (k: number) => scratch.f64('bases', k) };
  return {
    dim,
    weightedMean: (w, src, dst, r0, r1) => mixRows(w, src, dst, dim, r0, r1),
    windowMean: (w, src, dst, r0, r1, window) => windowMeanRows(w, src, dst, dim, r0, r1, window, windows),
    squaredDistance,
    scratch: (name, n) => scratch.f32(name, n),
    scratch64: (name, n) => scratch.f64(name, n),
  };
}

function randomRows(n: number, dim: number, seed: number): Float32Array {
  const rng = createRng(seed, 'rows');
  return Float32Array.from({ length: n * dim }, () => rng.normal());
}

function combine(spec: AggregationSpec, w: MixingMatrix, src: Float32Array, dim: number, splits = [0, w.n]): Float32Array {
  const dst = new Float32Array(src.length);
  for (let s = 0; s + 1 < splits.length; s++) aggregate(env(dim), spec, w, src, dst, splits[s], splits[s + 1]);
  return dst;
}

const W = createMixing(ring(12, 2), 'metropolis'); // every peer hears 5 rows
const DIM = 37;

describe('every aggregation rule', () => {
  it('has a spec in this suite', () => {
    expect(aggregationRegistry.kinds().sort()).toEqual(Object.keys(SPECS).sort());
  });
  for (const rule of aggregationRegistry.list()) {
    const spec = SPECS[rule.kind];
    describe(rule.kind, () => {
      it('leaves peers that already agree where they are', () => {
        const row = randomRows(1, DIM, 1);
        const src = new Float32Array(12 * DIM);
        for (let i = 0; i < 12; i++) src.set(row, i * DIM);
        const out = combine(spec, W, src, DIM);
        for (let i = 0; i < 12; i++) {
          for (let c = 0; c < DIM; c++) expect(out[i * DIM + c]).toBeCloseTo(row[c], 5);
        }
      });
      it('keeps every coordinate within the range of the values a peer hears', () => {
        const src = randomRows(12, DIM, 2);
        const out = combine(spec, W, src, DIM);
        for (let i = 0; i < 12; i++) {
          for (let c = 0; c < DIM; c++) {
            const heard = [];
            for (let k = W.offsets[i]; k < W.offsets[i + 1]; k++) heard.push(src[W.cols[k] * DIM + c]);
            expect(out[i * DIM + c]).toBeGreaterThanOrEqual(Math.min(...heard) - 1e-6);
            expect(out[i * DIM + c]).toBeLessThanOrEqual(Math.max(...heard) + 1e-6);
          }
        }
      });
      it('gives the same bits however the rows are split over workers', () => {
        const src = randomRows(12, DIM, 3);
        const whole = combine(spec, W, src, DIM);
        expect(combine(spec, W, src, DIM, [0, 1, 5, 6, 12])).toEqual(whole);
      });
      it('gives byte-identical runs inline and with 2 workers', async () => {
        const config = smallConfig({ plugins: EXAMPLE_PLUGINS, rounds: 6, topology: { kind: 'ring', k: 2 }, aggregation: spec });
        const a = await runRecorded(config, { workers: 0 });
        const b = await runRecorded(config, { workers: 2 });
        expect(JSON.stringify(stripTimes(b.rounds))).toBe(JSON.stringify(stripTimes(a.rounds)));
      }, 60_000);
    });
  }
});

describe('exact answers', () => {
  it('median picks the middle value, and averages the two middle ones for an even count', () => {
    const w3 = createMixing(ring(3, 1), 'metropolis'); // everyone hears all 3
    expect(Array.from(combine({ kind: 'median' }, w3, Float32Array.from([5, -1, 2]), 1))).toEqual([2, 2, 2]);
    const w4 = createMixing(complete(4), 'metropolis');
    expect(Array.from(combine({ kind: 'median' }, w4, Float32Array.from([1, 10, 3, 2]), 1))).toEqual([2.5, 2.5, 2.5, 2.5]);
  });
  it('trimmed mean with trim 0 is the unweighted mean, and trims from both ends', () => {
    const w4 = createMixing(complete(4), 'metropolis');
    expect(Array.from(combine({ kind: 'trimmed-mean', trim: 0 }, w4, Float32Array.from([1, 10, 3, 2]), 1))).toEqual([4, 4, 4, 4]);
    expect(Array.from(combine({ kind: 'trimmed-mean', trim: 1 }, w4, Float32Array.from([1, 10, 3, 2]), 1))).toEqual([2.5, 2.5, 2.5, 2.5]);
  });
  it('median and trimmed mean ignore one wild neighbour that moves the mean far away', () => {
    const src = new Float32Array(12 * DIM).fill(1);
    src.fill(1e6, 5 * DIM, 6 * DIM); // peer 5 sends garbage; peers 3..7 hear it
    const mean = combine({ kind: 'mean' }, W, src, DIM);
    expect(mean[4 * DIM]).toBeGreaterThan(1e5);
    for (const spec of [SPECS.median, SPECS['trimmed-mean']]) {
      const out = combine(spec, W, src, DIM);
      for (const p of [3, 4, 6, 7]) expect(out[p * DIM]).toBe(1);
    }
  });
  it('krum and multi-krum ignore one wild neighbour, and clipped gossip moves at most w_ij * tau toward it', () => {
    const src = new Float32Array(12 * DIM).fill(1);
    src.fill(1e6, 5 * DIM, 6 * DIM);
    for (const spec of [SPECS.krum, SPECS['multi-krum'], { kind: 'multi-krum', f: 1, m: 4 } as const]) {
      const out = combine(spec, W, src, DIM);
      for (const p of [3, 4, 6, 7]) expect(out.subarray(p * DIM, (p + 1) * DIM).every((v) => v === 1)).toBe(true);
    }
    const tau = 0.5;
    const out = combine({ kind: 'clipped-gossip', tau }, W, src, DIM);
    for (const p of [3, 4, 6, 7]) {
      const wij = W.weights[Array.from(W.cols.subarray(W.offsets[p], W.offsets[p + 1])).indexOf(5) + W.offsets[p]];
      // every coordinate moves by the same amount toward the outlier: w_ij * tau / sqrt(DIM)
      for (let c = 0; c < DIM; c++) expect(out[p * DIM + c] - 1).toBeCloseTo((wij * tau) / Math.sqrt(DIM), 5);
    }
  });
});

describe('exact answers of the distance-based rules', () => {
  // 5 peers that all hear each other: 4 close rows around (1, 1) and one far away
  const w5 = createMixing(complete(5), 'metropolis');
  const rows = Float32Array.from([1, 1, 1.1, 1, 1, 1.2, 0.8, 1, 50, -40]);
  it('krum picks the central row among four close ones and one far one', () => {
    // scores with f = 1 (2 nearest others): row 0 is nearest to the others
    const out = combine({ kind: 'krum', f: 1 }, w5, rows, 2);
    for (let i = 0; i < 5; i++) expect(Array.from(out.subarray(2 * i, 2 * i + 2))).toEqual([1, 1]);
  });
  it('krum breaks ties by the lowest peer id', () => {
    // f = 0, 2 nearest others: scores 5, 2, 2, 5; peers 1 and 2 tie
    const w4 = createMixing(complete(4), 'metropolis');
    expect(Array.from(combine({ kind: 'krum', f: 0 }, w4, Float32Array.from([0, 1, 2, 3]), 1))).toEqual([1, 1, 1, 1]);
  });
  it('multi-krum with m = k - f averages the k - f lowest-scoring rows', () => {
    const out = combine({ kind: 'multi-krum', f: 1, m: 4 }, w5, rows, 2);
    const f32 = Math.fround; // the far row scores highest; the other four are summed exactly in float64
    const expected = [f32((f32(1) + f32(1.1) + f32(1) + f32(0.8)) / 4), f32((f32(1) + f32(1) + f32(1.2) + f32(1)) / 4)];
    for (let i = 0; i < 5; i++) expect(Array.from(out.subarray(2 * i, 2 * i + 2))).toEqual(expected);
  });
  it('clipped gossip moves a peer exactly w_ij * tau toward a far outlier', () => {
    const w3 = createMixing(ring(3, 1), 'metropolis'); // weights 1/3
    const src = Float32Array.from([0, 0, 0, 0, 300, 400]); // peer 2 is 500 away from the others
    const out = combine({ kind: 'clipped-gossip', tau: 1 }, w3, src, 2);
    // peer 0: peer 1 is at distance 0, peer 2 is clipped to norm 1 along (0.6, 0.8)
    expect(out[0]).toBeCloseTo(0.6 / 3, 6);
    expect(out[1]).toBeCloseTo(0.8 / 3, 6);
    expect(Math.hypot(out[0], out[1])).toBeCloseTo(1 / 3, 6);
  });
  it('clipped gossip equals the mean when no difference reaches tau, and for tau = Infinity', () => {
    const src = randomRows(12, DIM, 4);
    const mean = combine({ kind: 'mean' }, W, src, DIM);
    expect(combine({ kind: 'clipped-gossip', tau: 1e3 }, W, src, DIM)).toEqual(mean);
    const inf = combine({ kind: 'clipped-gossip', tau: Infinity }, W, src, DIM);
    for (let c = 0; c < mean.length; c++) expect(Math.abs(inf[c] - mean[c])).toBeLessThan(1e-6);
  });
  it('adaptive clipped gossip pulls only the farthest neighbour in, to the second-farthest distance', () => {
    const w4 = createMixing(complete(4), 'metropolis'); // weights 1/4
    const src = Float32Array.from([0, 1, 2, 10]);
    const out = combine({ kind: 'clipped-gossip', tau: 'adaptive' }, w4, src, 1);
    // peer 0: distances 1, 2, 10; tau = 2, so 10 counts as 2: (0 + 1 + 2 + 2) / 4
    expect(out[0]).toBeCloseTo(5 / 4, 6);
  });
});

describe('aggregation in the config', () => {
  it('is refused with protocols that do not mix through it', () => {
    expect(() => smallConfig({ protocol: 'push-sum', topology: 'directed-ring', aggregation: 'median' })).toThrow(/aggregation: median replaces the neighbour average of protocols that mix \(dpsgd\)/);
  });
  it('refuses a trim that leaves nothing of the smallest neighbourhood', async () => {
    const config = smallConfig({ topology: { kind: 'ring', k: 1 }, aggregation: { kind: 'trimmed-mean', trim: 2 } });
    await expect(runRecorded(config)).rejects.toThrow(ConfigError);
    await expect(runRecorded(config)).rejects.toThrow(/aggregation.trim: 2 from each end leaves nothing of the 3 values/);
  });
  it('refuses an f or m that Krum cannot use on the smallest neighbourhood', async () => {
    const krum = smallConfig({ topology: { kind: 'ring', k: 1 }, aggregation: { kind: 'krum', f: 1 } });
    await expect(runRecorded(krum)).rejects.toThrow(ConfigError);
    await expect(runRecorded(krum)).rejects.toThrow(/aggregation.f: 1 leaves no rows to score against in the 3 rows .*use f at most 0/);
    const multi = smallConfig({ topology: { kind: 'ring', k: 2 }, aggregation: { kind: 'multi-krum', f: 1, m: 5 } });
    await expect(runRecorded(multi)).rejects.toThrow(/aggregation.m: 5 is more than the 4 rows left after f = 1 .*use m at most 4/);
  });
  it('suggests the right name for a misspelt rule', () => {
    expect(() => smallConfig({ aggregation: 'mediam' })).toThrow(/^Invalid config:\n  - aggregation: "mediam" is not allowed \(did you mean 'median'\?\); use one of mean \| median \| trimmed-mean \| krum \| multi-krum \| clipped-gossip \| geometric-median$/);
  });
});

describe('the SIMD order-statistic kernel', () => {
  const median: Window = (k) => [(k - 1) >> 1, (k >> 1) + 1];
  const trim2: Window = (k) => [Math.min(2, (k - 1) >> 1), k - Math.min(2, (k - 1) >> 1)];
  for (const n of [2, 3, 5, 8, 16, 17, 20]) {
    it(`gives the JS loop's bits for neighbourhoods of ${n} (complete graph), median and trimmed mean`, () => {
      const dim = 23; // not a multiple of 4: the tail goes through JS
      const w = createMixing(complete(n), 'metropolis');
      const memory = createSharedWasmMemory(2 * n * dim * 4 + 64)!;
      const k = instantiateExchange(memory);
      const src = new Float32Array(memory.buffer as unknown as ArrayBuffer, 0, n * dim);
      const dst = new Float32Array(memory.buffer as unknown as ArrayBuffer, n * dim * 4, n * dim);
      src.set(randomRows(n, dim, n));
      src[0] = src[dim]; // ties
      const scratch = createScratch();
      const windows = { sorted: (m: number) => scratch.f32('sorted', m), bases: (m: number) => scratch.f64('bases', m) };
      for (const window of [median, trim2]) {
        const ref = new Float32Array(n * dim);
        windowMeanRows(w, src, ref, dim, 0, n, window, windows);
        windowMeanSimd(k, w, src, dst, dim, 0, n, window, windows);
        expect(Array.from(dst)).toEqual(Array.from(ref));
      }
    });
  }
});
