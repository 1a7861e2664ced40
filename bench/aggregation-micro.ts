// Micro-benchmark of the neighbour aggregation rules at W1 scale (64 peers, MLP 784-128-10,
// ring k=2: 5 values per coordinate): one full exchange step per rule, SIMD and plain JS.
// `npm run bench:agg [-- --peers 64 --dim 101770 --k 2 --repeats 7]`; `--complete 1` uses the
// complete graph on the peers instead (peers values per coordinate, e.g. `--peers 20 --complete 1`).
import { aggregate, type AggregationEnv, type AggregationSpec } from '../src/aggregation/index.js';
import { windowMeanRows } from '../src/aggregation/order-statistics.js';
import { createScratch } from '../src/engine/scratch.js';
import { createMixing } from '../src/topology/mixing/index.js';
import { complete, ring } from '../src/topology/index.js';
import { mixRows } from '../src/topology/mix-rows.js';
import { createSharedWasmMemory, instantiateExchange, mixRowsSimd, squaredDistanceSimd, windowMeanSimd } from '../src/wasm/index.js';
import { squaredDistance } from '../src/aggregation/distance.js';
import { median, numberArg } from './micro.js';

const arg = numberArg;
const peers = arg('peers', 64);
const dim = arg('dim', 101770);
const k = arg('k', 2);
const repeats = arg('repeats', 7);
const full = arg('complete', 0) === 1;

const w = createMixing(full ? complete(peers) : ring(peers, k), 'metropolis');
const memory = createSharedWasmMemory(2 * peers * dim * 4 + 64);
if (!memory) throw new Error('shared wasm memory with SIMD is not available here');
const kernels = instantiateExchange(memory);
const buf = memory.buffer as unknown as SharedArrayBuffer;
const src = new Float32Array(buf, 0, peers * dim).map((_, i) => Math.sin(i));
const dst = new Float32Array(buf, peers * dim * 4, peers * dim);
const scratch = createScratch();
const windows = { sorted: (n: number) => scratch.f32('sorted', n), bases: (n: number) => scratch.f64('bases', n) };

function env(simd: boolean): AggregationEnv {
  return {
    dim,
    weightedMean: (m, s, d, a, b) => (simd ? mixRowsSimd(kernels, m, s, d, dim, a, b) : mixRows(m, s, d, dim, a, b)),
    windowMean: (m, s, d, a, b, win) => (simd ? windowMeanSimd(kernels, m, s, d, dim, a, b, win, windows) : windowMeanRows(m, s, d, dim, a, b, win, windows)),
    squaredDistance: (s, a, b, len) => (simd ? squaredDistanceSimd(kernels, s, a, b, len) : squaredDistance(s, a, b, len)),
    scratch: (name, n) => scratch.f32(name, n),
    scratch64: (name, n) => scratch.f64(name, n),
  };
}

const shape = full ? `complete graph (${peers} values per coordinate)` : `ring k=${k} (${2 * k + 1} values per coordinate)`;
console.log(`aggregation of ${peers} peers x ${dim} params, ${shape}; ms per exchange step, median of ${repeats} rounds over all rules (interleaved, so a load change hits every rule alike)`);
const specs: AggregationSpec[] = [
  { kind: 'mean' }, { kind: 'median' }, { kind: 'trimmed-mean', trim: 1 },
  { kind: 'krum', f: 1 }, { kind: 'multi-krum', f: 1, m: 3 }, { kind: 'clipped-gossip', tau: 1 }, { kind: 'clipped-gossip', tau: 'adaptive' },
];
const calls = specs.flatMap((spec) => [true, false].map((simd) => () => aggregate(env(simd), spec, w, src, dst, 0, peers)));
const times = calls.map(() => [] as number[]);
for (let r = -1; r < repeats; r++) {
  calls.forEach((fn, c) => {
    const t = performance.now();
    fn();
    if (r >= 0) times[c].push(performance.now() - t); // round -1 warms up
  });
}
const meanSimd = median(times[0]);
specs.forEach((spec, s) => {
  const simd = median(times[2 * s]), js = median(times[2 * s + 1]);
  console.log(`${(spec.kind + ('tau' in spec ? ` ${spec.tau}` : '')).padEnd(23)} SIMD ${simd.toFixed(1).padStart(7)} ms (${(simd / meanSimd).toFixed(2)}x mean)   JS ${js.toFixed(1).padStart(7)} ms   (${(js / simd).toFixed(1)}x)`);
});
