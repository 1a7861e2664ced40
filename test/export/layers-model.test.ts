// Model export: the written model.json + weights.bin load with tf.loadLayersModel and give the
// accuracy the run reported for that peer, and for the network average.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { averageRow, exportLayersModel, MODEL_FILES } from '../../src/export/layers-model.js';
import { modelSpecOf, loadDataset } from '../../src/engine/setup.js';
import { Engine } from '../../src/engine/engine.js';
import type { PeerMetrics } from '../../src/engine/events.js';
import { smallConfig } from '../engine/helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** tf.loadLayersModel through an IOHandler that reads the two files, as a browser would fetch them. */
async function load(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, MODEL_FILES.json), 'utf8'));
  const weights = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  });
}

function accuracy(model: tf.LayersModel, x: Float32Array, y: Uint8Array, n: number, features: number): number {
  return tf.tidy(() => {
    const pred = (model.predict(tf.tensor2d(x.subarray(0, n * features), [n, features])) as tf.Tensor).argMax(1).dataSync();
    let correct = 0;
    for (let i = 0; i < n; i++) if (pred[i] === y[i]) correct++;
    return correct / n;
  });
}

describe('model export', () => {
  it('writes a LayersModel that tf.loadLayersModel loads and that scores what the run reported', async () => {
    const config = smallConfig({ rounds: 10, model: { kind: 'mlp', hidden: [12] }, eval: { every: 10, testExamples: 500 } });
    const engine = await Engine.create(config, { workers: 0 });
    let last: PeerMetrics | undefined;
    engine.on('peers', (p) => (last = p));
    await engine.run();
    const dim = engine.world.state.dim;
    const rows = Float32Array.from({ length: config.peers * dim }, (_, i) => engine.peerParams(Math.floor(i / dim))[i % dim]);
    await engine.close();
    const spec = modelSpecOf(config);
    const data = loadDataset(config);
    const testN = config.eval.testExamples;
    for (const peer of [0, 5]) {
      const dir = mkdtempSync(join(tmpdir(), 'plexus-export-'));
      dirs.push(dir);
      await exportLayersModel(spec, rows.subarray(peer * dim, (peer + 1) * dim), dir, `peer ${peer}`);
      const model = await load(dir);
      expect(accuracy(model, data.test.x, data.test.y, testN, spec.inputs)).toBeCloseTo(last!.accuracy[peer]!, 10);
      // probabilities out: rows of predict() sum to one
      const p = tf.tidy(() => (model.predict(tf.tensor2d(data.test.x.subarray(0, spec.inputs), [1, spec.inputs])) as tf.Tensor).sum().dataSync()[0]);
      expect(p).toBeCloseTo(1, 5);
      model.dispose();
    }
    // the network average: the same figure as evaluating that row with the run's own kernel
    const avg = averageRow(rows, config.peers, dim);
    const dir = mkdtempSync(join(tmpdir(), 'plexus-export-'));
    dirs.push(dir);
    await exportLayersModel(spec, avg, dir, 'average');
    const model = await load(dir);
    const { createKernel } = await import('../../src/model/kernel.js');
    const kernel = await createKernel(spec, 'fast');
    const own = kernel.evaluate(avg, data.test.x, data.test.y, testN).correct / testN;
    expect(accuracy(model, data.test.x, data.test.y, testN, spec.inputs)).toBeCloseTo(own, 10);
    kernel.dispose();
    model.dispose();
  }, 60_000);
});
