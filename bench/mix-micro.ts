// Micro-benchmark of the sparse mixing step against the machine's memory bandwidth.
// Mixing reads nnz(W) rows and writes n rows; a plain copy of the same buffer gives the bound.
// `npm run bench:mix [-- --peers 64 --dim 101770 --k 2]`
import { createMixing } from '../src/topology/mixing/index.js';
import { ring } from '../src/topology/ring.js';
import { mixRows } from '../src/topology/mix-rows.js';
import { createSharedWasmMemory, instantiateExchange, mixRowsSimd } from '../src/wasm/index.js';
import { medianMs, numberArg } from './micro.js';

const arg = numberArg;
const peers = arg('peers', 64);
const dim = arg('dim', 101770);
const k = arg('k', 2);
const repeats = arg('repeats', 15);

const w = createMixing(ring(peers, k), 'metropolis');
const memory = createSharedWasmMemory(2 * peers * dim * 4 + 64);
if (!memory) throw new Error('shared wasm memory with SIMD is not available here');
const kernels = instantiateExchange(memory);
const buf = memory.buffer as unknown as SharedArrayBuffer;
const src = new Float32Array(buf, 0, peers * dim).map((_, i) => (i % 97) * 0.01);
const dst = new Float32Array(buf, peers * dim * 4, peers * dim);
const time = (fn: () => void): number => medianMs(fn, repeats);

const nnz = w.offsets[peers];
const jsMs = time(() => mixRows(w, src, dst, dim, 0, peers));
const mixMs = time(() => mixRowsSimd(kernels, w, src, dst, dim, 0, peers));
const copyMs = time(() => dst.set(src));
const bytesMix = (nnz + peers) * dim * 4; // every nonzero reads a row; every row is written
const bytesCopy = 2 * peers * dim * 4;
console.log(`mixing ${peers} peers x ${dim} params, ring k=${k} (${nnz} nonzeros), plain JS: ${jsMs.toFixed(2)} ms, ${(bytesMix / jsMs / 1e6).toFixed(2)} GB/s of row traffic`);
console.log(`  the same with the WebAssembly SIMD kernel: ${mixMs.toFixed(2)} ms, ${(bytesMix / mixMs / 1e6).toFixed(2)} GB/s of row traffic (${(jsMs / mixMs).toFixed(1)}x)`);
console.log(`memory bound (copy of the same buffer): ${copyMs.toFixed(2)} ms, ${(bytesCopy / copyMs / 1e6).toFixed(2)} GB/s`);
console.log(`SIMD mixing runs at ${((bytesMix / mixMs) / (bytesCopy / copyMs) * 100).toFixed(0)}% of the copy bandwidth; per round that is ${mixMs.toFixed(1)} ms of ${peers} peers' work`);
