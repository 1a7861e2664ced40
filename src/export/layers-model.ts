// Model export: a peer's parameter row (or the network average) as a TensorFlow.js LayersModel,
// the model.json + weights.bin pair that tf.loadLayersModel reads from a URL in a browser or
// through any IOHandler in Node. The last layer applies softmax, so predict() gives probabilities.
import { join } from 'node:path';
import { createFile } from '../safe-file.js';
import type { ModelSpec } from '../types.js';
import { createLayout, layerSizes } from '../model/layout.js';
import { buildCnnSequential } from '../model/cnn-layers.js';

export const MODEL_FILES = { json: 'model.json', weights: 'weights.bin' } as const;

/**
 * Writes DIR/model.json and DIR/weights.bin (DIR exists) for `row` laid out as `spec`'s built-in
 * model. The files are created new; with `replace`, files already there are replaced (a link
 * itself, never its target).
 */
export async function exportLayersModel(spec: ModelSpec, row: Float32Array, dir: string, description: string, opts: { replace?: boolean } = {}): Promise<string[]> {
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
    for (const [name, bytes] of [[MODEL_FILES.json, Buffer.from(JSON.stringify(modelJson))], [MODEL_FILES.weights, Buffer.from(data)]] as const) {
      const path = join(dir, name);
      createFile(path, bytes, { replace: opts.replace, what: 'exported model file' });
      written.push(path);
    }
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: data.byteLength } };
  }));
  model.dispose();
  return written;
}

/** The network average of the rows (float64 sums, rounded once), as the engine computes it. */
export function averageRow(params: Float32Array, peers: number, dim: number): Float32Array {
  const acc = new Float64Array(dim);
  for (let p = 0; p < peers; p++) for (let c = 0; c < dim; c++) acc[c] += params[p * dim + c];
  return Float32Array.from(acc, (v) => v / peers);
}
