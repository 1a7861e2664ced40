import { describe, expect, it } from 'vitest';
import { assignClusters, clusterTransforms, rotation } from '../../src/data/clusters.js';
import { shapeData } from '../../src/data/shape.js';
import type { Dataset } from '../../src/types.js';

describe('cluster assignment', () => {
  it('is balanced, seeded, and mixes clusters over peer ids', () => {
    const c = assignClusters(32, 4, 1);
    const sizes = [0, 0, 0, 0];
    for (const k of c) sizes[k]++;
    expect(sizes).toEqual([8, 8, 8, 8]);
    expect(Array.from(assignClusters(32, 4, 1))).toEqual(Array.from(c));
    expect(Array.from(assignClusters(32, 4, 2))).not.toEqual(Array.from(c));
    expect(Array.from(c)).not.toEqual(Array.from({ length: 32 }, (_, i) => i % 4));
    const odd = assignClusters(10, 3, 1);
    expect([0, 1, 2].map((k) => odd.filter((x) => x === k).length).sort()).toEqual([3, 3, 4]);
  });
});

describe('cluster transforms', () => {
  it('rotates a 3x3 image a quarter turn clockwise, and four quarters are the identity', () => {
    // out(r, c) = in(side - 1 - c, r): the top row of the output is the left column read bottom-up
    expect(Array.from(rotation(3, 1))).toEqual([6, 3, 0, 7, 4, 1, 8, 5, 2]);
    const q = rotation(28, 1);
    let map = Int32Array.from({ length: 784 }, (_, i) => i);
    for (let t = 0; t < 4; t++) map = Int32Array.from(map, (_, k) => map[q[k]]);
    expect(Array.from(map)).toEqual(Array.from({ length: 784 }, (_, i) => i));
  });

  it('leaves cluster 0 unchanged and gives the others seeded permutations', () => {
    const rot = clusterTransforms({ count: 5, transform: 'rotate' }, 784, 10, 1);
    expect(rot[0]).toEqual({});
    expect(rot[4]).toEqual({});
    expect(Array.from(rot[2].pixels!)).toEqual(Array.from(rotation(28, 2)));
    const labels = clusterTransforms({ count: 3, transform: 'permute-labels' }, 784, 10, 1);
    expect(labels[0]).toEqual({});
    expect([...labels[1].labels!].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(labels[1].labels!)).not.toEqual(Array.from(labels[2].labels!));
    const pixels = clusterTransforms({ count: 2, transform: 'permute-pixels' }, 16, 4, 1);
    expect([...pixels[1].pixels!].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });
});

describe('shapeData', () => {
  const features = 4;
  const n = 40;
  const dataset: Dataset = {
    name: 'toy', features, classes: 4,
    train: { n, x: Float32Array.from({ length: n * features }, (_, i) => i), y: Uint8Array.from({ length: n }, (_, i) => i % 4) },
    test: { n: 8, x: Float32Array.from({ length: 8 * features }, (_, i) => 1000 + i), y: Uint8Array.from({ length: 8 }, (_, i) => i % 4) },
  };
  const partition = { peers: 4, offsets: Int32Array.from([0, 10, 20, 30, 40]), indices: Int32Array.from({ length: 40 }, (_, i) => 39 - i) };

  it('gathers each peer training examples through its cluster transform, a test block per cluster, and holds out probes', () => {
    const s = shapeData(dataset, partition, 3, { clusters: { count: 2, transform: 'permute-labels' }, holdout: 2, seed: 1 });
    expect(Array.from(s.partition.offsets)).toEqual([0, 8, 16, 24, 32]);
    expect(s.probe!.y).toHaveLength(8);
    expect(s.testY).toHaveLength(6);
    const labels = clusterTransforms({ count: 2, transform: 'permute-labels' }, features, 4, 1);
    for (let p = 0; p < 4; p++) {
      const map = labels[s.cluster![p]].labels;
      // every example the peer holds (trained on or held out) is one of its own shard's, its label mapped by its cluster
      const own = new Set(Array.from(partition.indices.subarray(p * 10, p * 10 + 10)));
      const check = (x: Float32Array, y: number) => {
        const ex = x[0] / features;
        expect(own.has(ex)).toBe(true);
        expect(y).toBe(map ? map[ex % 4] : ex % 4);
      };
      for (let k = s.partition.offsets[p]; k < s.partition.offsets[p + 1]; k++) check(s.trainX.subarray(k * features), s.trainY[k]);
      for (let k = 0; k < 2; k++) check(s.probe!.x.subarray((p * 2 + k) * features), s.probe!.y[p * 2 + k]);
    }
    // block 0 is the test set as it is; block 1 has its labels mapped
    expect(Array.from(s.testY.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(Array.from(s.testY.subarray(3, 6))).toEqual([0, 1, 2].map((y) => labels[1].labels![y]));
  });

  it('uses the dataset as it is without clusters or probes', () => {
    const s = shapeData(dataset, partition, 8, { holdout: 0, seed: 1 });
    expect(s.trainX).toBe(dataset.train.x);
    expect(s.partition).toBe(partition);
    expect(s.cluster).toBeUndefined();
  });
});
