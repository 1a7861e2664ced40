// Micro-benchmark of DP-SGD's Gaussian noise: ns per normal for W1's 101,770 parameters on the
// WebAssembly SIMD path, the JS path (the same bits) and rng.normal() as a baseline.
// `npm run bench:noise [-- --n 101770 --repeats 31]`
import { createRng } from '../src/rng.js';
import { addGaussianNoiseJs, addGaussianNoiseWasm, gaussianNoisePath } from '../src/privacy/gaussian.js';
import { medianMs, numberArg } from './micro.js';

const n = numberArg('n', 101770);
const repeats = numberArg('repeats', 31);
const out = new Float32Array(n);
const rng = createRng(0, 'bench', 'noise');
const nsPer = (fn: () => void) => (medianMs(fn, repeats) * 1e6) / n;

const baseline = nsPer(() => {
  for (let i = 0; i < n; i++) out[i] += rng.normal();
});
const js = nsPer(() => addGaussianNoiseJs(rng, out, 1));
const wasm = gaussianNoisePath() === 'wasm' ? nsPer(() => addGaussianNoiseWasm(rng, out, 1)) : undefined;
const copy = nsPer(() => out.set(out.subarray(0, n >> 1), n >> 1));

console.log(`Gaussian noise on ${n} floats, median of ${repeats}:`);
console.log(`  rng.normal() loop (baseline): ${baseline.toFixed(2)} ns/normal, ${((baseline * n) / 1e6).toFixed(3)} ms`);
console.log(`  addGaussianNoise, JS path:    ${js.toFixed(2)} ns/normal, ${((js * n) / 1e6).toFixed(3)} ms`);
if (wasm === undefined) console.log('  addGaussianNoise, wasm path:  unavailable in this runtime');
else console.log(`  addGaussianNoise, wasm path:  ${wasm.toFixed(2)} ns/normal, ${((wasm * n) / 1e6).toFixed(3)} ms (the same bits as JS)`);
console.log(`  (a copy of half the array, for scale: ${(copy * 2).toFixed(2)} ns/float)`);
