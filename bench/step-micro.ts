// Micro-benchmark of one local step (gradient + sgd apply) per model and kernel path, on real
// MNIST batches. Build with `npx tsc -p tsconfig.json`, run `node dist/bench/step-micro.js
// [--repeats 7] [--steps 300] [--backend wasm]`. Prints medians over repeats.

import * as tf from '@tensorflow/tfjs';
import { loadMnist } from '../src/data/mnist.js';
import { createRng } from '../src/rng.js';
import { selectBackend, type BackendPreference } from '../src/model/backend.js';
import { createKernel, type KernelPath, type StepKernel } from '../src/model/kernel.js';
import { createLayout, initParams, layerSizes } from '../src/model/layout.js';
import { createOptimizer } from '../src/model/optimizer.js';
import { createSimdKernel, type PhaseProbe } from '../src/wasm/index.js';
import { createTfjsKernel } from '../src/model/tfjs-kernel.js';
import type { ModelSpec } from '../src/types.js';

const BATCH = 32;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const repeats = Number(arg('repeats', '7'));
const stepsPerRepeat = Number(arg('steps', '300'));
const backendPref = arg('backend', 'wasm') as BackendPreference;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Dense-equivalent FLOPs of one step: forward, dW for every layer, dA for all but the first. */
function stepFlops(spec: ModelSpec, batch: number): number {
  const sizes = layerSizes(spec);
  let f = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const mac = batch * sizes[l] * sizes[l + 1];
    f += 2 * mac * (l === 0 ? 2 : 3);
  }
  return f;
}

interface Batches {
  x: Float32Array;
  y: Uint8Array;
  count: number;
}

function mnistBatches(count: number, dense: boolean): Batches {
  const mnist = loadMnist();
  const rng = createRng(0, 'bench', 'batches');
  const x = new Float32Array(count * BATCH * 784);
  const y = new Uint8Array(count * BATCH);
  for (let r = 0; r < count * BATCH; r++) {
    const e = rng.int(mnist.train.n);
    x.set(mnist.train.x.subarray(e * 784, (e + 1) * 784), r * 784);
    y[r] = mnist.train.y[e];
  }
  if (dense) for (let i = 0; i < x.length; i++) x[i] = x[i] === 0 ? 0.01 + 0.01 * rng.next() : x[i]; // no zero pixels
  return { x, y, count };
}

function timeSteps(kernel: StepKernel, spec: ModelSpec, data: Batches): { msPerStep: number } {
  const layout = createLayout(spec);
  const row = new Float32Array(layout.total);
  initParams(layout, spec, row, createRng(0, 'bench', 'init'));
  const grad = new Float32Array(layout.total);
  const opt = createOptimizer({ kind: 'sgd' }, 0.01);
  const none = new Float32Array(0);
  let b = 0;
  const step = (s: number) => {
    const o = (b++ % data.count) * BATCH;
    kernel.gradient(row, data.x.subarray(o * 784, (o + BATCH) * 784), data.y.subarray(o, o + BATCH), BATCH, grad);
    opt.apply(row, grad, none, s);
  };
  for (let s = 1; s <= Math.min(50, stepsPerRepeat); s++) step(s); // warm up JIT and caches
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let s = 1; s <= stepsPerRepeat; s++) step(s);
    times.push((performance.now() - t0) / stepsPerRepeat);
  }
  return { msPerStep: median(times) };
}

function perOp(make: (probe: PhaseProbe) => StepKernel, spec: ModelSpec, data: Batches): Map<string, number> {
  const samples = new Map<string, number[]>();
  let last = 0;
  let current = new Map<string, number>();
  const probe: PhaseProbe = {
    mark(phase) {
      const t = performance.now();
      if (phase !== 'start') current.set(phase, (current.get(phase) ?? 0) + t - last);
      last = t;
    },
  };
  const kernel = make(probe);
  const layout = createLayout(spec);
  const row = new Float32Array(layout.total);
  initParams(layout, spec, row, createRng(0, 'bench', 'init'));
  const grad = new Float32Array(layout.total);
  const opt = createOptimizer({ kind: 'sgd' }, 0.01);
  const steps = Math.max(20, Math.floor(stepsPerRepeat / 3));
  for (let r = 0; r < repeats + 1; r++) {
    current = new Map();
    for (let s = 1; s <= steps; s++) {
      const o = (s % data.count) * BATCH;
      kernel.gradient(row, data.x.subarray(o * 784, (o + BATCH) * 784), data.y.subarray(o, o + BATCH), BATCH, grad);
      const t = performance.now();
      opt.apply(row, grad, new Float32Array(0), s);
      current.set('sgd apply', (current.get('sgd apply') ?? 0) + performance.now() - t);
    }
    if (r === 0) continue; // warm-up
    for (const [k, v] of current) {
      if (!samples.has(k)) samples.set(k, []);
      samples.get(k)!.push(v / steps);
    }
  }
  kernel.dispose();
  return new Map([...samples].map(([k, v]) => [k, median(v)]));
}

function bigMatMulGflops(): number {
  const n = 512;
  const a = tf.randomUniform([n, n]);
  const b = tf.randomUniform([n, n]);
  tf.matMul(a, b).dataSync();
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    times.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / (median(times) / 1000) / 1e9;
}

async function main() {
  const backend = await selectBackend(backendPref);
  const wasmBuild =
    backend === 'wasm' ? ` (simd ${String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))}, threads ${String(tf.env().get('WASM_HAS_MULTITHREAD_SUPPORT'))})` : '';
  console.log(`backend ${backend}${wasmBuild}; batch ${BATCH}; median of ${repeats} repeats of ${stepsPerRepeat} steps; sgd apply included`);
  console.log(`reference: ${backend} matMul 512x512x512 ${bigMatMulGflops().toFixed(1)} GFLOP/s`);
  const data = mnistBatches(200, false);
  const dense = mnistBatches(50, true);
  const specs: [string, ModelSpec][] = [
    ['logistic', { kind: 'logistic', inputs: 784, hidden: [], classes: 10 }],
    ['mlp[128]', { kind: 'mlp', inputs: 784, hidden: [128], classes: 10 }],
  ];
  const paths: KernelPath[] = ['fast', 'tfjs', 'layers'];
  console.log('\nmodel      path                  ms/step   steps/s   dense-equiv GFLOP/s');
  for (const [name, spec] of specs) {
    const flops = stepFlops(spec, BATCH);
    const rows: [string, StepKernel, Batches][] = [];
    for (const p of paths) rows.push([p, await createKernel(spec, p, { backend: backendPref }), data]);
    rows.push(['fast, no zero pixels', await createKernel(spec, 'fast'), dense]);
    for (const [label, kernel, batches] of rows) {
      const { msPerStep } = timeSteps(kernel, spec, batches);
      kernel.dispose();
      console.log(
        `${name.padEnd(10)} ${label.padEnd(21)} ${msPerStep.toFixed(3).padStart(7)} ${(1000 / msPerStep).toFixed(0).padStart(9)} ${(flops / (msPerStep / 1000) / 1e9).toFixed(1).padStart(12)}`,
      );
    }
  }
  const mlp: ModelSpec = { kind: 'mlp', inputs: 784, hidden: [128], classes: 10 };
  for (const [label, make] of [
    ['fast (simd) kernel', (probe: PhaseProbe) => createSimdKernel(mlp, { probe })],
    [`tfjs kernel on ${backend}`, (probe: PhaseProbe) => createTfjsKernel(mlp, { probe })],
  ] as const) {
    console.log(`\nper-phase time of one mlp[128] step, ${label} (median µs):`);
    let total = 0;
    for (const [phase, ms] of perOp(make, mlp, data)) {
      total += ms;
      console.log(`  ${phase.padEnd(16)} ${(ms * 1000).toFixed(1).padStart(7)}`);
    }
    console.log(`  ${'total'.padEnd(16)} ${(total * 1000).toFixed(1).padStart(7)}`);
  }
}

await main();
