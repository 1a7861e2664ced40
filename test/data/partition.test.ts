import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { createPartition, labelHistogram, meanLabelEntropy, type PartitionSpec } from '../../src/data/partition/index.js';
import { createRng } from '../../src/rng.js';
import type { Partition } from '../../src/types.js';

const CLASSES = 10;

/** Labels drawn at random, so classes are uneven and shard boundaries do not align. */
function randomLabels(n: number, seed = 99): Uint8Array {
  const rng = createRng(seed, 'labels');
  return Uint8Array.from({ length: n }, () => rng.int(CLASSES));
}

/** perClass examples of each class, interleaved 0,1,2,...,9,0,1,... */
function balancedLabels(perClass: number): Uint8Array {
  return Uint8Array.from({ length: perClass * CLASSES }, (_, i) => i % CLASSES);
}

function peerIndices(p: Partition, peer: number): Int32Array {
  return p.indices.subarray(p.offsets[peer], p.offsets[peer + 1]);
}

function distinctLabels(labels: Uint8Array, p: Partition, peer: number): number {
  return new Set(Array.from(peerIndices(p, peer), (i) => labels[i])).size;
}

const specs: PartitionSpec[] = [
  { kind: 'iid' },
  { kind: 'dirichlet', alpha: 0.5 },
  { kind: 'dirichlet', alpha: 0.01 },
  { kind: 'shards', perPeer: 2 },
];

const named = (s: PartitionSpec): string =>
  s.kind === 'dirichlet' ? `dirichlet(alpha=${s.alpha})` : s.kind === 'shards' ? `shards(perPeer=${s.perPeer})` : s.kind;

describe.each(specs.map((s) => [named(s), s] as const))('the %s partitioner', (_name, spec) => {
  const labels = randomLabels(1200);
  const part = (peers: number, perPeer: number, seed = 1, ls = labels): Partition =>
    createPartition(ls, CLASSES, peers, perPeer, spec, createRng(seed, 'partition'));

  it('gives every peer exactly examplesPerPeer indices', () => {
    const p = part(8, 60);
    expect(p.peers).toBe(8);
    expect(p.offsets.length).toBe(9);
    expect(p.indices.length).toBe(8 * 60);
    for (let q = 0; q < 8; q++) expect(p.offsets[q + 1] - p.offsets[q]).toBe(60);
  });

  it('uses only valid indices, none of them twice', () => {
    for (const [peers, perPeer] of [[8, 60], [20, 60], [1, 1200]]) {
      const p = part(peers, perPeer);
      for (const i of p.indices) expect(i >= 0 && i < labels.length).toBe(true);
      expect(new Set(p.indices).size).toBe(p.indices.length);
    }
  });

  it('covers every example exactly once when the peers ask for all of them', () => {
    const p = part(20, 60);
    expect(Array.from(p.indices).sort((a, b) => a - b)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
  });

  it('is deterministic for the same seed, seed 0 included', () => {
    expect(part(8, 60, 0)).toEqual(part(8, 60, 0));
    expect(part(8, 60, 5)).toEqual(part(8, 60, 5));
  });

  it('changes with the seed', () => {
    expect(part(8, 60, 1).indices).not.toEqual(part(8, 60, 2).indices);
  });

  it('throws a DataError naming both sizes when too many examples are asked for', () => {
    expect(() => part(21, 60)).toThrow(DataError);
    expect(() => part(21, 60)).toThrow(/1260.*1200/);
  });

  it('rejects labels outside 0..classes-1', () => {
    const bad = Uint8Array.from(labels);
    bad[17] = CLASSES;
    expect(() => part(8, 60, 1, bad)).toThrow(/label 10 at index 17/);
  });

  it('rejects non-integer or non-positive sizes', () => {
    expect(() => part(0, 60)).toThrow(DataError);
    expect(() => part(8, 1.5)).toThrow(/examplesPerPeer/);
  });
});

describe('dirichlet partitioner', () => {
  const labels = balancedLabels(2000);
  const entropy = (spec: PartitionSpec, seed = 3): number =>
    meanLabelEntropy(labels, createPartition(labels, CLASSES, 50, 100, spec, createRng(seed, 'partition')), CLASSES);

  it('gives strongly skewed peers at alpha 0.1', () => {
    expect(entropy({ kind: 'dirichlet', alpha: 0.1 })).toBeLessThan(0.6 * entropy({ kind: 'iid' }));
  });

  it('is close to IID at alpha 100', () => {
    const iid = entropy({ kind: 'iid' });
    expect(Math.abs(entropy({ kind: 'dirichlet', alpha: 100 }) - iid)).toBeLessThan(0.05 * iid);
  });

  it('skews less as alpha grows', () => {
    const e = [0.05, 0.5, 5].map((alpha) => entropy({ kind: 'dirichlet', alpha }));
    expect(e[0]).toBeLessThan(e[1]);
    expect(e[1]).toBeLessThan(e[2]);
  });

  it('rejects a non-positive alpha', () => {
    expect(() => createPartition(labels, CLASSES, 5, 10, { kind: 'dirichlet', alpha: 0 }, createRng(0))).toThrow(/alpha/);
  });
});

describe('shards partitioner', () => {
  const shards = (labels: Uint8Array, peers: number, examplesPerPeer: number, perPeer: number, seed = 4): Partition =>
    createPartition(labels, CLASSES, peers, examplesPerPeer, { kind: 'shards', perPeer }, createRng(seed, 'partition'));

  it('gives each peer at most perPeer labels when shard boundaries align with classes', () => {
    const labels = balancedLabels(100); // classes of 100, shards of 10 or 20
    for (const [examplesPerPeer, perPeer] of [[20, 2], [30, 3], [20, 1]]) {
      const p = shards(labels, 10, examplesPerPeer, perPeer);
      for (let q = 0; q < p.peers; q++) expect(distinctLabels(labels, p, q)).toBeLessThanOrEqual(perPeer);
    }
  });

  it('gives each peer at most 2 * perPeer labels when boundaries do not align', () => {
    const labels = randomLabels(1200); // uneven classes, shards of 30
    const p = shards(labels, 20, 60, 2);
    for (let q = 0; q < p.peers; q++) expect(distinctLabels(labels, p, q)).toBeLessThanOrEqual(4);
  });

  it('is far from IID, as the pathological split should be', () => {
    const labels = balancedLabels(100);
    const p = shards(labels, 10, 20, 2);
    expect(meanLabelEntropy(labels, p, CLASSES)).toBeLessThanOrEqual(1); // 2 labels: at most 1 bit
  });

  it('still draws from every class when the peers use a fraction of the data', () => {
    const labels = balancedLabels(1000);
    const p = shards(labels, 10, 20, 2); // 200 of 10000 examples
    const seen = new Set(Array.from(p.indices, (i) => labels[i]));
    expect(seen.size).toBeGreaterThan(5);
  });

  it('requires examplesPerPeer to be divisible by perPeer', () => {
    expect(() => shards(balancedLabels(100), 10, 25, 2)).toThrow(DataError);
    expect(() => shards(balancedLabels(100), 10, 25, 2)).toThrow(/25.*divisible by perPeer \(2\)/);
  });
});

describe('label-blocks partitioner', () => {
  const blocksOf = (labels: Uint8Array, peers: number, examplesPerPeer: number, blocks: number, seed = 5): Partition =>
    createPartition(labels, CLASSES, peers, examplesPerPeer, { kind: 'label-blocks', blocks }, createRng(seed, 'partition'));
  const labelsOf = (labels: Uint8Array, p: Partition, peer: number) => new Set(Array.from(peerIndices(p, peer), (i) => labels[i]));

  it('two blocks make the dumbbell split: the first half of the peers holds classes 0-4, the second 5-9, mixed within', () => {
    const labels = balancedLabels(200);
    const p = blocksOf(labels, 20, 80, 2);
    for (let q = 0; q < 20; q++) {
      const seen = labelsOf(labels, p, q);
      for (const l of seen) expect(q < 10 ? l < 5 : l >= 5).toBe(true);
      expect(seen.size).toBe(5); // 80 uniform draws from 5 classes miss one with probability ~1e-7
    }
    expect(new Set(p.indices).size).toBe(p.indices.length);
  });

  it('cuts uneven counts into near-equal contiguous groups of peers and classes', () => {
    const labels = balancedLabels(100);
    const p = blocksOf(labels, 7, 30, 3); // peers 0-1 | 2-3 | 4-6, classes 0-2 | 3-5 | 6-9
    const allowed = [[0, 1, 2], [0, 1, 2], [3, 4, 5], [3, 4, 5], [6, 7, 8, 9], [6, 7, 8, 9], [6, 7, 8, 9]];
    for (let q = 0; q < 7; q++) for (const l of labelsOf(labels, p, q)) expect(allowed[q]).toContain(l);
    expect(blocksOf(labels, 7, 30, 3).indices).toEqual(p.indices);
    expect(blocksOf(labels, 7, 30, 3, 6).indices).not.toEqual(p.indices);
  });

  it('says which block runs out of examples, and refuses more blocks than classes or peers', () => {
    const labels = balancedLabels(100); // 500 examples of classes 5-9; block 1 has 6 of the 11 peers
    expect(() => blocksOf(labels, 11, 90, 2)).toThrow(/block 1 \(peers 5-10, classes 5-9\) needs 540 examples but those classes have 500/);
    expect(() => blocksOf(labels, 20, 5, 11)).toThrow(/blocks must be an integer from 1 to min\(peers, classes\) = 10, got 11/);
  });
});

describe('label statistics', () => {
  const labels = new Uint8Array([0, 0, 1, 1, 2, 2, 2, 2]);
  // peer 0: labels 0,0,1,1 (1 bit); peer 1: labels 2,2,2,2 (0 bits)
  const p: Partition = { peers: 2, offsets: new Int32Array([0, 4, 8]), indices: new Int32Array([0, 2, 1, 3, 4, 5, 6, 7]) };

  it('counts labels per peer in a peers x classes histogram', () => {
    expect(Array.from(labelHistogram(labels, p, 3))).toEqual([2, 2, 0, 0, 0, 4]);
  });

  it('averages per-peer label entropy in bits', () => {
    expect(meanLabelEntropy(labels, p, 3)).toBeCloseTo(0.5, 12);
  });

  it('reaches log2(classes) for perfectly balanced peers', () => {
    const bal = balancedLabels(4);
    const whole: Partition = { peers: 1, offsets: new Int32Array([0, 40]), indices: Int32Array.from({ length: 40 }, (_, i) => i) };
    expect(meanLabelEntropy(bal, whole, CLASSES)).toBeCloseTo(Math.log2(CLASSES), 12);
  });
});
