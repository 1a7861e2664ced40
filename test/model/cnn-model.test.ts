// kind: cnn end to end: the row layout and its size formula, the config (defaults, refusals),
// export as a tfjs LayersModel that predicts what the kernel does, a short MNIST run that
// learns, and runs that are identical inline and with 2 workers.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../src/types.js';
import { createLayout } from '../../src/model/layout.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';
import { modelSpecOf } from '../../src/engine/setup.js';
import { exportLayersModel, MODEL_FILES } from '../../src/export/layers-model.js';
import { createConvKernel } from '../../src/wasm/index.js';
import { createRng } from '../../src/rng.js';
import { runRecorded } from '../engine/helpers.js';
import { randomBatch, randomParams } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const cnnConfig = (over: Record<string, unknown> = {}) => resolveConfig({
  name: 'cnn', seed: 3, peers: 4, rounds: 2, topology: { kind: 'ring', k: 1 },
  data: { dataset: 'mnist', examplesPerPeer: 64 }, model: { kind: 'cnn' },
  eval: { every: 2, testExamples: 100 }, ...over,
});

describe('the cnn row layout', () => {
  it('puts conv kernels (HWIO) and biases first, then the dense layers, sized by the formula', () => {
    const spec = modelSpecOf(cnnConfig());
    const layout = createLayout(spec);
    expect(layout.tensors.map((t) => `${t.name}:${t.shape.join('x')}`)).toEqual([
      'conv0/kernel:5x5x1x6', 'conv0/bias:6', 'conv1/kernel:5x5x6x16', 'conv1/bias:16',
      'dense0/kernel:256x120', 'dense0/bias:120', 'dense1/kernel:120x84', 'dense1/bias:84', 'dense2/kernel:84x10', 'dense2/bias:10',
    ]);
    // sum over blocks of (k^2 c_in + 1) f, then the dense layers on (pooled h x w x f) inputs
    expect(layout.total).toBe((25 * 1 + 1) * 6 + (25 * 6 + 1) * 16 + (256 + 1) * 120 + (120 + 1) * 84 + (84 + 1) * 10);
    expect(layout.total).toBe(44426);
  });
});

describe('the cnn config', () => {
  it('defaults to LeNet-5 (6 and 16 filters of 5x5, pools of 2, dense 120 and 84, relu)', () => {
    const m = cnnConfig().model;
    expect(m.conv).toEqual([{ filters: 6, kernel: 5, pool: 2 }, { filters: 16, kernel: 5, pool: 2 }]);
    expect(m.dense).toEqual([120, 84]);
    expect(m.activation).toBe('relu');
  });

  it('refuses data without an image shape, blocks that do not fit, and cnn fields on an mlp', () => {
    const blobs = { dataset: { kind: 'blobs', classes: 3, features: 8, trainSize: 300, testSize: 100 }, examplesPerPeer: 50 };
    expect(() => cnnConfig({ data: blobs, eval: { testExamples: 100 } })).toThrow(/data.dataset: a cnn needs image data/);
    expect(() => cnnConfig({ model: { kind: 'cnn', conv: [{ filters: 4, kernel: 29 }] } })).toThrow(ConfigError);
    expect(() => cnnConfig({ model: { kind: 'cnn', conv: [{ filters: 4, kernel: 5, pool: 30 }] } })).toThrow(/pool/);
    expect(() => cnnConfig({ model: { kind: 'mlp', conv: [{ filters: 4, kernel: 5 }] } })).toThrow(/model.conv: only a cnn/);
  });
});

async function loadExported(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, MODEL_FILES.json), 'utf8'));
  const weights = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  });
}

describe('cnn export', () => {
  it('writes Conv2D/MaxPooling2D/Flatten/Dense layers on images whose predictions match the kernel', async () => {
    await tf.setBackend('cpu');
    const spec: ModelSpec = modelSpecOf(cnnConfig());
    const row = randomParams(spec, 9);
    const dir = mkdtempSync(join(tmpdir(), 'plexus-cnn-export-'));
    dirs.push(dir);
    await exportLayersModel(spec, row, dir, 'cnn');
    const model = await loadExported(dir);
    expect(model.layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dense', 'Dense']);
    const n = 16;
    const { x, y } = randomBatch(createRng(1, 'export batch'), n, spec.inputs, spec.classes, 0.5);
    const probs = tf.tidy(() => (model.predict(tf.tensor4d(x, [n, 28, 28, 1])) as tf.Tensor).dataSync() as Float32Array);
    // the kernel's loss is -log p(label): the same probabilities, to float32 rounding
    const kernel = createConvKernel(spec);
    let lossSum = 0;
    for (let r = 0; r < n; r++) lossSum -= Math.log(probs[r * 10 + y[r]]);
    const own = kernel.evaluate(row, x, y, n);
    expect(Math.abs(own.lossSum - lossSum) / n).toBeLessThan(1e-4);
    let correct = 0;
    for (let r = 0; r < n; r++) {
      const p = probs.subarray(r * 10, r * 10 + 10);
      if (p.indexOf(Math.max(...p)) === y[r]) correct++;
    }
    expect(correct).toBe(own.correct);
    kernel.dispose();
    model.dispose();
  });
});

describe('a cnn run', () => {
  it('learns MNIST well above chance in a few seconds', async () => {
    const config = cnnConfig({ peers: 4, rounds: 60, data: { dataset: 'mnist', examplesPerPeer: 500 }, eval: { every: 60, testExamples: 1000 } });
    const t0 = Date.now();
    const { summary } = await runRecorded(config);
    expect(summary.finalMeanAccuracy).toBeGreaterThan(0.7);
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 30_000);

  it('writes the same metrics inline and with 2 workers', async () => {
    const config = cnnConfig({ peers: 6, rounds: 4, eval: { every: 2, testExamples: 200 } });
    const a = await runRecorded(config, { workers: 0 });
    const b = await runRecorded(config, { workers: 2 });
    const strip = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => !/seconds|wall/i.test(k)));
    expect(b.rounds.map(strip)).toEqual(a.rounds.map(strip));
    expect(b.peers).toEqual(a.peers);
  }, 30_000);
});
