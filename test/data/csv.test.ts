import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { csvInfo, loadCsvDataset } from '../../src/data/csv.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { planSweep } from '../../src/sweep/plan.js';
import { loadSweepFile } from '../../src/sweep/spec.js';
import { plexus } from '../cli/helpers.js';
import { tempDataDir, writeText } from './fixtures.js';

/** n rows of two features and a label: species a, b or c (or 0, 1, 2), separable on feature x. */
function table(n: number, opts: { ints?: boolean; offset?: number } = {}): string {
  const names = ['setosa', 'versicolor', 'virginica'];
  const lines = ['x,"y",species'];
  for (let i = 0; i < n; i++) {
    const c = (i * 5 + (opts.offset ?? 0)) % 3;
    lines.push(`${(c * 10 + (i % 7) * 0.5).toFixed(2)},${((i * 37) % 11) - 5},${opts.ints ? c : names[c]}`);
  }
  return lines.join('\r\n') + '\r\n';
}

describe('csv datasets', () => {
  it('maps string labels to classes in sorted order and standardises features with the training statistics', () => {
    const dir = tempDataDir();
    const train = writeText(dir, 'train.csv', table(90));
    const test = writeText(dir, 'test.csv', table(30, { offset: 1 }));
    const spec = { train, test, label: 'species' };
    expect(csvInfo(spec)).toEqual({ train: 90, test: 30, features: 2, classes: 3, labelNames: ['setosa', 'versicolor', 'virginica'] });
    const d = loadCsvDataset(spec);
    expect(d.features).toBe(2);
    expect(d.shape).toBeUndefined();
    expect(d.train.y[0]).toBe(0); // row 0 is setosa
    expect(d.train.y[1]).toBe(2); // row 1: (5 % 3) = 2, virginica
    for (const j of [0, 1]) {
      let sum = 0, sq = 0;
      for (let i = 0; i < 90; i++) sum += d.train.x[i * 2 + j];
      for (let i = 0; i < 90; i++) sq += (d.train.x[i * 2 + j] - sum / 90) ** 2;
      expect(sum / 90).toBeCloseTo(0, 5);
      expect(Math.sqrt(sq / 90)).toBeCloseTo(1, 5);
    }
  });

  it('takes integer labels as classes (max label + 1) and keeps a constant column finite', () => {
    const dir = tempDataDir();
    const train = writeText(dir, 'train.csv', 'a,k,label\n1,5,0\n2,5,4\n3,5,1\n');
    const test = writeText(dir, 'test.csv', 'a,k,label\n2,5,2\n');
    const spec = { train, test, label: 'label' };
    expect(csvInfo(spec)).toEqual({ train: 3, test: 1, features: 2, classes: 5 });
    const d = loadCsvDataset(spec);
    expect(Array.from(d.train.y)).toEqual([0, 4, 1]);
    expect(Array.from(d.train.x.filter((_, i) => i % 2 === 1))).toEqual([0, 0, 0]);
    expect(d.test.x[0]).toBeCloseTo(0, 6);
  });

  it('refuses bad files with the file, line and column named', () => {
    const dir = tempDataDir();
    const good = writeText(dir, 'good.csv', 'a,b,label\n1,2,x\n');
    const cases: [string, string, RegExp][] = [
      ['empty.csv', '', /empty\.csv: empty; expected a header line/],
      ['header-only.csv', 'a,b,label\n', /header-only\.csv: a header but no rows/],
      ['ragged.csv', 'a,b,label\n1,2,x\n1,x\n', /ragged\.csv: line 3 has 2 cells, the header 3 columns/],
      ['word.csv', 'a,b,label\n1,2,x\n1,two,y\n', /word\.csv: line 3, column 'b': "two" is not a finite number/],
      ['blank-cell.csv', 'a,b,label\n1,,x\n', /blank-cell\.csv: line 2, column 'b': "" is not a finite number/],
      ['float32.csv', 'a,b,label\n1,2,x\n1,-1e39,y\n', /float32\.csv: line 3, column 'b': -1e39 is beyond the float32 range features are stored in \(magnitude at most 3\.4e38\); rescale the column/],
      ['no-label.csv', 'a,b,class\n1,2,x\n', /no-label\.csv: no column 'label' \(data\.dataset\.label\); the columns are 'a', 'b', 'class'/],
      ['twice.csv', 'a,a,label\n1,2,x\n', /twice\.csv: column 'a' appears twice/],
      ['big.csv', 'a,b,label\n1,2,300\n', /big\.csv: label 300 in column 'label' is not below 256/],
      ['many.csv', 'a,label\n' + Array.from({ length: 300 }, (_, i) => `1,c${i}`).join('\n'), /many\.csv: column 'label' has more than 256 distinct labels \(line 258\)/],
      ['latin1.csv', 'a,label\n1,caf\xe9\n', /latin1\.csv: not UTF-8 text/],
    ];
    for (const [name, text, message] of cases) {
      const path = name === 'latin1.csv' ? (() => { const p = join(dir, name); writeFileSync(p, Buffer.from(text, 'latin1')); return p; })() : writeText(dir, name, text);
      const spec = { train: path, test: name === 'big.csv' ? path : good, label: 'label' }; // integer labels in both files
      expect(() => csvInfo(spec), name).toThrow(DataError);
      expect(() => csvInfo(spec), name).toThrow(message);
    }
    const other = writeText(dir, 'other.csv', 'a,c,label\n1,2,x\n');
    expect(() => csvInfo({ train: good, test: other, label: 'label' })).toThrow(/other\.csv: columns 'a', 'c', 'label' differ from those of .*good\.csv/);
    expect(() => csvInfo({ train: join(dir, 'gone.csv'), test: good, label: 'label' })).toThrow(/gone\.csv: file not found/);
  });

  it('turns a bad file into a config error, naming the file, line and column', () => {
    const dir = tempDataDir();
    writeText(dir, 'train.csv', table(60));
    writeText(dir, 'test.csv', 'x,y,species\n1,2,setosa\n1,b,setosa\n');
    const input = { name: 'c', peers: 2, rounds: 1, data: { dataset: { kind: 'csv', train: 'train.csv', test: 'test.csv', label: 'species' }, examplesPerPeer: 30 }, train: { batchSize: 10 }, eval: { testExamples: 2 } };
    expect(() => resolveConfig(input, { baseDir: dir })).toThrow(/test\.csv: line 3, column 'y': "b" is not a finite number/);
  });

  it('has no image shape, so a convolutional model refuses it', () => {
    const dir = tempDataDir();
    writeText(dir, 'train.csv', table(60));
    writeText(dir, 'test.csv', table(30));
    const input = { name: 'c', peers: 2, rounds: 1, topology: 'complete', model: { kind: 'cnn' }, data: { dataset: { kind: 'csv', train: 'train.csv', test: 'test.csv', label: 'species' }, examplesPerPeer: 30 }, train: { batchSize: 10 }, eval: { testExamples: 30 } };
    expect(() => resolveConfig(input, { baseDir: dir })).toThrow(/data\.dataset: a cnn needs image data with a shape/);
  });

  it('keeps a sweep\'s data paths relative to its base config', () => {
    const dir = tempDataDir();
    writeText(dir, 'train.csv', table(60));
    writeText(dir, 'test.csv', table(30));
    writeText(dir, 'base.yaml', 'peers: 2\nrounds: 1\ntopology: complete\ndata: { dataset: { kind: csv, train: train.csv, test: test.csv, label: species }, examplesPerPeer: 30 }\ntrain: { batchSize: 10 }\neval: { testExamples: 30 }\n');
    mkdirSync(join(dir, 'sweeps'));
    const sweep = writeText(join(dir, 'sweeps'), 's.yaml', 'base: ../base.yaml\nseeds: [1]\ngrid: { train.lr: [0.1, 0.2] }\n');
    const plan = planSweep(loadSweepFile(sweep));
    expect(plan.runs).toHaveLength(2);
    expect(plan.combinations[0].config).toMatchObject({ data: { dataset: { train: join(dir, 'train.csv'), test: join(dir, 'test.csv') } } });
  });

  it('runs end to end from a config with string labels, naming the classes in the set-up line', async () => {
    const dir = tempDataDir();
    writeText(dir, 'train.csv', table(480));
    writeText(dir, 'test.csv', table(120, { offset: 2 }));
    const cfg = writeText(dir, 'csv.yaml', `peers: 8
rounds: 20
topology: { kind: ring, k: 1 }
data:
  dataset: { kind: csv, train: train.csv, test: test.csv, label: species }
  examplesPerPeer: 60
model: { kind: mlp, hidden: [8] }
train: { batchSize: 10, lr: 0.2 }
eval: { every: 20, testExamples: 120 }
`);
    const out = join(dir, 'run');
    const r = await plexus(['run', cfg, '--out', out, '--workers', '0'], { timeout: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/data csv 2 features, 3 classes \("setosa"=0, "versicolor"=1, "virginica"=2\)/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.finalMeanAccuracy).toBeGreaterThan(0.9);
    const topo = JSON.parse(readFileSync(join(out, 'topology.json'), 'utf8'));
    expect(topo.nodes[3].labelCounts).toHaveLength(3);
  }, 60_000);
});

describe('data.dataset in the config', () => {
  const base = { name: 'x', peers: 4, rounds: 1, data: { examplesPerPeer: 16 } };
  it('suggests the nearest kind for a misspelt name', () => {
    expect(() => resolveConfig({ ...base, data: { ...base.data, dataset: 'fashion-mnsit' } })).toThrow(/data\.dataset: "fashion-mnsit" is not allowed \(did you mean 'fashion-mnist'\?\); use one of mnist \| fashion-mnist \| blobs \| idx \| csv/);
  });
  it('names a missing file field of csv and idx', () => {
    expect(() => resolveConfig({ ...base, data: { ...base.data, dataset: { kind: 'csv', train: 'a.csv', test: 'b.csv' } } })).toThrow(/data\.dataset\.label: required/);
    expect(() => resolveConfig({ ...base, data: { ...base.data, dataset: { kind: 'idx', train: { images: 'a' }, test: { images: 'b', labels: 'c' } } } })).toThrow(/data\.dataset\.train\.labels: required/);
  });
});
