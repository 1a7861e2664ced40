// Numbers are checked where they are written: infinities and NaN anywhere, whole numbers too large
// to count exactly in integer fields, each named by its path in the config.
import { describe, expect, it } from 'vitest';
import { parseConfigText, resolveConfig } from '../../src/config/resolve.js';
import { issuesOf } from './helpers.js';

const base = {
  name: 't',
  peers: 8,
  rounds: 10,
  topology: { kind: 'ring', k: 1 },
  data: { dataset: { kind: 'blobs', classes: 3, features: 4, trainSize: 400, testSize: 100 }, examplesPerPeer: 20 },
  model: { kind: 'logistic' },
  train: { batchSize: 5 },
  eval: { testExamples: 100 },
};


const fromYaml = (yaml: string) => issuesOf({ ...base, ...(parseConfigText(yaml) as object) });

describe('numbers in a config', () => {
  it('rejects an infinite learning rate at train.lr (not deep in the model code)', () => {
    expect(fromYaml('train: { batchSize: 5, lr: .inf }')).toEqual([expect.stringMatching(/^train\.lr: infinity \(\.inf/)]);
  });

  it('rejects infinities and NaN in every kind of field, each by its path', () => {
    expect(fromYaml('data: { dataset: { kind: blobs, separation: -.inf }, examplesPerPeer: 20 }')[0]).toMatch(/^data\.dataset\.separation: -infinity/);
    expect(fromYaml('protocol: { kind: choco, gamma: .nan }')[0]).toMatch(/^protocol\.gamma: NaN/);
    expect(fromYaml('rounds: 1e400')[0]).toMatch(/^rounds: infinity/);
    expect(issuesOf({ ...base, time: { mode: 'async', latency: Infinity } }).join('\n')).toMatch(/time\.latency: infinity/);
  });

  it('rejects whole numbers beyond 2^53 in integer fields, naming the field', () => {
    for (const [path, raw] of [
      ['rounds', { ...base, rounds: 1e300 }],
      ['seed', { ...base, seed: 1e300 }],
      ['peers', { ...base, peers: 2 ** 60 }],
      ['data.examplesPerPeer', { ...base, data: { ...base.data, examplesPerPeer: 1e20 } }],
      ['topology.k', { ...base, topology: { kind: 'ring', k: 1e300 } }],
      ['model.hidden[1]', { ...base, model: { kind: 'mlp', hidden: [8, 1e300] } }],
    ] as const) {
      const issues = issuesOf(raw);
      expect(issues.filter((i) => i.startsWith(`${path}:`))).toEqual([
        expect.stringMatching(/is too large to count exactly; use a whole number at most 9007199254740991$/),
      ]);
    }
  });

  it('accepts large finite values where a field is not a count', () => {
    const c = resolveConfig({ ...base, train: { batchSize: 5, lr: 1e-300 }, data: { ...base.data, dataset: { ...base.data.dataset, separation: 1e300 } } });
    expect(c.data.dataset).toMatchObject({ separation: 1e300 });
  });

  it('accepts the largest safe integer as a seed', () => {
    expect(resolveConfig({ ...base, seed: Number.MAX_SAFE_INTEGER }).seed).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects more than 256 blob classes at data.dataset.classes: labels are bytes', () => {
    const issues = issuesOf({ ...base, data: { ...base.data, dataset: { ...base.data.dataset, classes: 300 } } });
    expect(issues).toContain('data.dataset.classes: 300 is more than 256, the most a label byte can hold; use at most 256 classes');
  });
});
