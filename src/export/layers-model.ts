// Model export: a peer's parameter row (or the network average) as a TensorFlow.js LayersModel,
// the model.json + weights.bin pair that tf.loadLayersModel reads from a URL in a browser or
// through any IOHandler in Node. The last layer applies softmax, so predict() gives probabilities.
import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSpec } from '../types.js';
import { createLayout, layerSizes } from '../model/layout.js';
import { buildCnnSequential } from '../model/cnn-layers.js';

export const MODEL_FILES = { json: 'model.json', weights: 'weights.bin' } as const;

/** Writes DIR/model.json and DIR/weights.bin for `row` laid out as `spec`'s built-in model. */
export async function exportLayersModel(spec: ModelSpec, row: Float32Array, dir: string, description: string): Promise<string[]> {
  const tf = await import('@tensorflow/tfjs');
  const layout = createLayout(spec);
  if (row.length !== layout.total) throw new RangeError(`export: the row has ${row.length} floats, the ${spec.kind} model needs ${layout.total}`);
  const sizes = layerSizes(spec);
  // a cnn takes images [batch, height, width, channels]; the dense models flat rows
  const model = spec.kind === 'cnn' ? buildCnnSequential(tf, spec, { flatInput: false, output: 'softmax' }) : tf.sequential();
  for (let l = 0; spec.kind !== 'cnn' && l + 1 < sizes.length; l++) {
    const last = l + 2 === sizes.length;
    model.add(tf.layers.dense({ units: sizes[l + 1], activation: last ? 'softmax' : 'relu', ...(l === 0 ? { inputShape: [sizes[0]] } : {}) }));
  }
  const weights = layout.tensors.map((t) => tf.tensor(row.subarray(t.offset, t.offset + t.size), t.shape as number[]));
  model.setWeights(weights);
  weights.forEach((w) => w.dispose());
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const data = artifacts.weightData as ArrayBuffer;
    const modelJson = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: null,
      description,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [`./${MODEL_FILES.weights}`], weights: artifacts.weightSpecs }],
    };
    written.push(writeNew(join(dir, MODEL_FILES.json), Buffer.from(JSON.stringify(modelJson))));
    written.push(writeNew(join(dir, MODEL_FILES.weights), Buffer.from(data)));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: data.byteLength } };
  }));
  model.dispose();
  return written;
}

/** Replaces a file without following a symbolic link at its path. */
function writeNew(path: string, bytes: Buffer): string {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** The network average of the rows (float64 sums, rounded once), as the engine computes it. */
export function averageRow(params: Float32Array, peers: number, dim: number): Float32Array {
  const acc = new Float64Array(dim);
  for (let p = 0; p < peers; p++) for (let c = 0; c < dim; c++) acc[c] += params[p * dim + c];
  return Float32Array.from(acc, (v) => v / peers);
}
