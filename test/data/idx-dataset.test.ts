import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { idxInfo, loadIdxDataset } from '../../src/data/idx-dataset.js';
import { readIdxFile, readIdxHeader } from '../../src/data/idx-file.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { estimateMemory } from '../../src/config/memory.js';
import { clusterTransforms } from '../../src/data/clusters.js';
import { gzipSync } from 'node:zlib';
import { idxBytes, imageSet, tempDataDir, writeIdx, writeImageDataset, writeText } from './fixtures.js';
import { plexus } from '../cli/helpers.js';

describe('IDX files on disk', () => {
  const dir = tempDataDir();

  it('reads a plain and a gzip\'d file alike, telling them apart by the gzip magic, not the name', () => {
    const bytes = [0, 7, 255, 3, 4, 5];
    const plain = writeIdx(dir, 'plain.gz', [2, 3], bytes); // a misleading name
    const packed = writeIdx(dir, 'packed.idx', [2, 3], bytes, true);
    for (const p of [plain, packed]) {
      expect(readIdxHeader(p).dims).toEqual([2, 3]);
      const a = readIdxFile(p);
      expect(a.dims).toEqual([2, 3]);
      expect(Array.from(a.data)).toEqual(bytes);
    }
    expect(readIdxHeader(plain).gzip).toBe(false);
    expect(readIdxHeader(packed).gzip).toBe(true);
  });

  it('names the file in every error: missing, empty, bad magic, truncated, trailing bytes, broken gzip', () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'nowhere'), /nowhere: file not found/],
      [writeText(dir, 'empty', ''), /empty: empty; expected an IDX file/],
      [writeText(dir, 'text.csv', 'a,b\n1,2\n'), /text\.csv: bad magic number/],
      [(() => { const p = join(dir, 'short'); writeFileSync(p, idxBytes([4], [1, 2, 3, 4]).subarray(0, 10)); return p; })(), /short: dims \[4\] need 4 data bytes but the file holds 2 \(truncated file\)/],
      [(() => { const p = join(dir, 'long'); writeFileSync(p, Buffer.concat([idxBytes([2], [1, 2]), Buffer.from([9])])); return p; })(), /long: dims \[2\] need 2 data bytes but the file holds 3 \(trailing bytes\)/],
      [(() => { const p = join(dir, 'long.gz'); writeFileSync(p, gzipSync(Buffer.concat([idxBytes([2], [1, 2]), Buffer.from([9, 9])]))); return p; })(), /long\.gz: inflates to more bytes than its IDX header declares/],
      [(() => { const p = join(dir, 'short.gz'); writeFileSync(p, gzipSync(idxBytes([400], new Uint8Array(400).fill(7))).subarray(0, 25)); return p; })(), /short\.gz: not a valid gzip stream/],
      [dir, /not a regular file/],
    ];
    for (const [path, message] of cases) {
      expect(() => readIdxFile(path), path).toThrow(DataError);
      expect(() => readIdxFile(path), path).toThrow(message);
    }
  });
});

describe('idx datasets', () => {
  it('loads 3-D images as one channel and 4-D images with their channels, plain or gzip\'d', () => {
    for (const gzip of [false, true]) {
      const one = writeImageDataset(tempDataDir(), { h: 5, w: 3, classes: 4, train: 40, test: 12, gzip });
      const d1 = loadIdxDataset(one);
      expect(d1.shape).toEqual({ height: 5, width: 3, channels: 1 });
      expect(d1.features).toBe(15);
      expect(d1.classes).toBe(4);
      expect(d1.train.n).toBe(40);
      expect(d1.test.n).toBe(12);
      const three = writeImageDataset(tempDataDir(), { h: 4, w: 6, c: 3, classes: 5, train: 30, test: 10, gzip });
      const d3 = loadIdxDataset(three);
      expect(d3.shape).toEqual({ height: 4, width: 6, channels: 3 });
      expect(d3.features).toBe(72);
      // pixels scaled to [0,1] in file order (HWC), labels kept as classes
      const src = imageSet(30, 4, 6, 3, 5);
      expect(d3.train.x[17]).toBeCloseTo(src.images[17] / 255, 6);
      expect(Array.from(d3.train.y)).toEqual(Array.from(src.labels));
      expect(idxInfo(three)).toMatchObject({ train: 30, test: 10, features: 72, classes: 5 });
    }
  });

  it('takes the number of classes from the largest label in either split', () => {
    const dir = tempDataDir();
    const files = writeImageDataset(dir, { h: 2, w: 2, classes: 3, train: 6, test: 3 });
    writeIdx(dir, 'test-labels', [3], [0, 1, 6]);
    expect(idxInfo(files).classes).toBe(7);
  });

  it('refuses mismatched images and labels, wrong dims and splits of different shapes, naming the file', () => {
    const dir = tempDataDir();
    const files = writeImageDataset(dir, { h: 3, w: 3, classes: 2, train: 8, test: 4 });
    const expectError = (message: RegExp) => {
      expect(() => idxInfo(files)).toThrow(DataError);
      expect(() => idxInfo(files)).toThrow(message);
    };
    writeIdx(dir, 'train-labels', [7], new Uint8Array(7));
    expectError(/train-labels: 7 labels for the 8 images of .*train-images; every image needs one label/);
    writeIdx(dir, 'train-labels', [8, 1], new Uint8Array(8));
    expectError(/train-labels: labels have dims \[8, 1\]; expected one label per image/);
    writeIdx(dir, 'train-labels', [8], new Uint8Array(8));
    writeIdx(dir, 'train-images', [8, 9], new Uint8Array(72));
    expectError(/train-images: images have dims \[8, 9\]; expected N x height x width/);
    writeIdx(dir, 'train-images', [8, 3, 3, 2], new Uint8Array(144));
    expectError(/test-images: images are 3x3x1, the training images \(.*train-images\) 3x3x2; both splits need the same shape/);
    writeIdx(dir, 'train-images', [0, 3, 3], new Uint8Array(0));
    expectError(/train-images: dims \[0, 3, 3\] hold no images/);
  });

  it('resolves relative paths against the config file\'s directory', () => {
    const dir = tempDataDir();
    writeImageDataset(dir, { h: 4, w: 4, classes: 3, train: 64, test: 16 });
    const c = resolveConfig({
      name: 'rel', peers: 4, rounds: 1, model: { kind: 'logistic' },
      data: { dataset: { kind: 'idx', train: { images: 'train-images', labels: 'train-labels' }, test: { images: 'test-images', labels: 'test-labels' } }, examplesPerPeer: 16 },
      train: { batchSize: 8 }, eval: { testExamples: 16 },
    }, { baseDir: dir });
    expect(c.data.dataset).toMatchObject({ train: { images: join(dir, 'train-images') } });
  });

  it('is checked at config time: too many examples per peer against the file\'s count, a missing file', () => {
    const dir = tempDataDir();
    const ds = writeImageDataset(dir, { h: 4, w: 4, classes: 3, train: 64, test: 16 });
    const base = { name: 'x', peers: 4, rounds: 1, model: { kind: 'logistic' }, train: { batchSize: 8 }, eval: { testExamples: 16 } };
    expect(() => resolveConfig({ ...base, data: { dataset: ds, examplesPerPeer: 17 } })).toThrow(/exceeds the 64 training examples of idx; use at most 16 per peer/);
    const missing = { ...ds, test: { ...ds.test, labels: join(dir, 'nope') } };
    expect(() => resolveConfig({ ...base, data: { dataset: missing, examplesPerPeer: 16 } })).toThrow(/nope: file not found/);
  });

  it('sizes the memory estimate from the files\' headers', () => {
    const ds = writeImageDataset(tempDataDir(), { h: 10, w: 10, c: 3, classes: 3, train: 64, test: 16, gzip: true });
    const c = resolveConfig({ name: 'x', peers: 4, rounds: 1, model: { kind: 'logistic' }, train: { batchSize: 8 }, eval: { testExamples: 16 }, data: { dataset: ds, examplesPerPeer: 16 } });
    const part = estimateMemory(c, { workers: 0 }).parts.find((p) => p.what.startsWith('IDX'))!;
    // loaded float32 + shared copy + file bytes, 300 features each
    expect(part.bytes).toBe(80 * 1201 + 80 * 1201 + 80 * 301);
  });

  it('lets rotate clusters turn square single-channel images only', () => {
    const base = { name: 'x', peers: 4, rounds: 1, model: { kind: 'logistic' }, train: { batchSize: 8 }, eval: { testExamples: 16 } };
    const rgba = writeImageDataset(tempDataDir(), { h: 4, w: 4, c: 4, classes: 3, train: 64, test: 16 }); // 64 features: a square count
    const data = (dataset: object) => ({ ...base, data: { dataset, examplesPerPeer: 16, clusters: { count: 2, transform: 'rotate' } } });
    expect(() => resolveConfig(data(rgba))).toThrow(/data\.clusters\.transform: rotate turns square single-channel images, and these are 4x4x4/);
    const grey = writeImageDataset(tempDataDir(), { h: 8, w: 8, classes: 3, train: 64, test: 16 });
    expect(resolveConfig(data(grey)).data.clusters).toEqual({ count: 2, transform: 'rotate' });
    expect(clusterTransforms({ count: 2, transform: 'rotate' }, 64, 3, 1, { height: 8, width: 8, channels: 1 })[1].pixels).toHaveLength(64);
    expect(() => clusterTransforms({ count: 2, transform: 'rotate' }, 64, 3, 1, { height: 4, width: 4, channels: 4 })).toThrow(/4x4x4/);
  });

  it('runs end to end from a config: 8 peers on 6x6 gzip\'d images learn, topology.json counts the labels', async () => {
    const dir = tempDataDir();
    writeImageDataset(dir, { h: 6, w: 6, c: 2, classes: 3, train: 400, test: 100, gzip: true });
    const cfg = writeText(dir, 'idx.yaml', `peers: 8
rounds: 20
topology: { kind: ring, k: 1 }
data:
  dataset: { kind: idx, train: { images: train-images.gz, labels: train-labels.gz }, test: { images: test-images.gz, labels: test-labels.gz } }
  examplesPerPeer: 50
model: { kind: mlp, hidden: [16] }
train: { batchSize: 10, lr: 0.2 }
eval: { every: 20, testExamples: 100 }
`);
    const out = join(dir, 'run');
    const r = await plexus(['run', cfg, '--out', out, '--workers', '0'], { timeout: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/data idx 6x6x2, 3 classes/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.finalMeanAccuracy).toBeGreaterThan(0.9);
    const topo = JSON.parse(readFileSync(join(out, 'topology.json'), 'utf8'));
    expect(topo.nodes[0].labelCounts).toHaveLength(3);
    expect(topo.nodes[0].labelCounts.reduce((a: number, b: number) => a + b, 0)).toBe(50);
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(true);
  }, 60_000);
});
