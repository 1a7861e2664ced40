// The data a run trains and tests on, once clusters and probe batches are in play: each peer's
// shard gathered into one compact array through its cluster's transform (less the examples it
// holds out for probes), and one copy of the test examples per cluster. Without either, the
// dataset's own arrays are used as they are.
import { createRng } from '../rng.js';
import type { Dataset, Partition } from '../types.js';
import { assignClusters, clusterTransforms, copyTransformed, type ClusterTransform, type ClustersSpec } from './clusters.js';

export interface ShapedData {
  /** the training examples each peer trains on, as indices into trainX */
  partition: Partition;
  trainX: Float32Array;
  trainY: Uint8Array;
  /** one block of testN examples per cluster (one block without clusters) */
  testX: Float32Array;
  testY: Uint8Array;
  /** each peer's cluster, with data.clusters */
  cluster?: Int32Array;
  /** with holdout > 0: each peer's held-out examples (perPeer of them, peer-major), never trained on */
  probe?: { x: Float32Array; y: Uint8Array; perPeer: number };
}

export interface ShapeOptions {
  clusters?: ClustersSpec;
  /** examples per peer held out of training, for probing other peers' models */
  holdout: number;
  seed: number;
}

export function shapeData(dataset: Dataset, partition: Partition, testN: number, opts: ShapeOptions): ShapedData {
  const F = dataset.features;
  const { train, test } = dataset;
  if (!opts.clusters && opts.holdout === 0) {
    return { partition, trainX: train.x, trainY: train.y, testX: test.x.subarray(0, testN * F), testY: test.y.subarray(0, testN) };
  }
  const n = partition.peers;
  const cluster = opts.clusters ? assignClusters(n, opts.clusters.count, opts.seed) : undefined;
  const transforms: ClusterTransform[] = opts.clusters ? clusterTransforms(opts.clusters, F, dataset.classes, opts.seed, dataset.shape) : [{}];
  const of = (p: number) => transforms[cluster ? cluster[p] : 0];
  const h = opts.holdout;
  const total = partition.indices.length - n * h;
  const trainX = new Float32Array(total * F);
  const trainY = new Uint8Array(total);
  const offsets = new Int32Array(n + 1);
  const probe = h > 0 ? { x: new Float32Array(n * h * F), y: new Uint8Array(n * h), perPeer: h } : undefined;
  let at = 0;
  for (let p = 0; p < n; p++) {
    const shard = partition.indices.slice(partition.offsets[p], partition.offsets[p + 1]);
    // the held-out examples: a seeded sample of the peer's shard (its last h after a shuffle)
    if (h > 0) createRng(opts.seed, 'probe', 'holdout', p).shuffle(shard);
    const keep = shard.length - h;
    for (let k = 0; k < keep; k++) copyTransformed(train.x, train.y, shard[k], of(p), trainX, trainY, at++, F);
    for (let k = 0; k < h; k++) copyTransformed(train.x, train.y, shard[keep + k], of(p), probe!.x, probe!.y, p * h + k, F);
    offsets[p + 1] = at;
  }
  const blocks = transforms.length;
  const testX = new Float32Array(blocks * testN * F);
  const testY = new Uint8Array(blocks * testN);
  for (let c = 0; c < blocks; c++) for (let k = 0; k < testN; k++) copyTransformed(test.x, test.y, k, transforms[c], testX, testY, c * testN + k, F);
  return { partition: { peers: n, offsets, indices: Int32Array.from({ length: total }, (_, i) => i) }, trainX, trainY, testX, testY, cluster, probe };
}
