import { describe, expect, it } from 'vitest';
import { applyParams, expandGrid, setPath } from '../../src/sweep/grid.js';
import { combinationName, combinationNames, sanitize, valueLabel } from '../../src/sweep/names.js';
import type { GridAxis } from '../../src/sweep/spec.js';

const axis = (key: string, values: unknown[]): GridAxis => ({ key, path: key.split('.'), values });

describe('expandGrid', () => {
  it('gives every combination, the first key varying slowest', () => {
    const grid = [axis('topology', ['ring', 'complete']), axis('train.lr', [0.05, 0.1, 0.2])];
    expect(expandGrid(grid)).toEqual([
      { topology: 'ring', 'train.lr': 0.05 },
      { topology: 'ring', 'train.lr': 0.1 },
      { topology: 'ring', 'train.lr': 0.2 },
      { topology: 'complete', 'train.lr': 0.05 },
      { topology: 'complete', 'train.lr': 0.1 },
      { topology: 'complete', 'train.lr': 0.2 },
    ]);
  });

  it('keeps the keys of each combination in grid order', () => {
    const combos = expandGrid([axis('b', [1]), axis('a', [2]), axis('c.d', [3])]);
    expect(combos.map((c) => Object.keys(c))).toEqual([['b', 'a', 'c.d']]);
  });

  it('gives one empty combination for an empty grid', () => {
    expect(expandGrid([])).toEqual([{}]);
  });
});

describe('setPath and applyParams', () => {
  const base = { peers: 64, topology: { kind: 'ring', k: 2 }, train: { lr: 0.1, batchSize: 32 }, data: { dataset: 'mnist' } };

  it('sets a deep field and leaves its siblings and the base alone', () => {
    const r = setPath(base, ['train', 'lr'], 0.05);
    expect(r).toEqual({ config: { ...base, train: { lr: 0.05, batchSize: 32 } } });
    expect(base.train.lr).toBe(0.1);
  });

  it('replaces a whole object rather than merging into it', () => {
    const r = applyParams(base, [axis('topology', [])], { topology: { kind: 'torus', rows: 8, cols: 8 } });
    expect('config' in r && r.config.topology).toEqual({ kind: 'torus', rows: 8, cols: 8 });
  });

  it('creates the mappings a path needs', () => {
    const r = applyParams(base, [axis('data.partition.alpha', [])], { 'data.partition.alpha': 0.3 });
    expect('config' in r && r.config.data).toEqual({ dataset: 'mnist', partition: { alpha: 0.3 } });
  });

  it('does not share the value between combinations', () => {
    const value = { kind: 'dirichlet', alpha: 1 };
    const r = setPath(base, ['data', 'partition'], value);
    value.alpha = 2;
    expect('config' in r && (r.config.data as { partition: { alpha: number } }).partition.alpha).toBe(1);
  });

  it('refuses to set a field inside a shorthand string, saying how to fix it', () => {
    const r = applyParams(base, [axis('data.dataset.kind', [])], { 'data.dataset.kind': 'blobs' });
    expect(r).toMatchObject({ key: 'data.dataset.kind' });
    expect('problem' in r && r.problem).toMatch(/sets data\.dataset to "mnist", not a mapping.*write data\.dataset out as a mapping in the base, or put the whole of data\.dataset in the grid/);
  });
});

describe('run directory names', () => {
  it('are readable key=value pairs, objects by kind and fields', () => {
    expect(combinationName({ topology: { kind: 'ring', k: 2 }, 'train.lr': 0.05 })).toBe('topology=ring-k2_train.lr=0.05');
    expect(combinationName({ topology: { kind: 'torus', rows: 8, cols: 8 } })).toBe('topology=torus-rows8-cols8');
    expect(combinationName({ topology: 'complete', 'model.hidden': [128, 64] })).toBe('topology=complete_model.hidden=128-64');
    expect(combinationName({ 'train.lr': 1e30 })).toBe('train.lr=1e+30');
    expect(combinationName({})).toBe('base');
  });

  it('hold no path separators or other unsafe characters', () => {
    expect(sanitize('../../etc/passwd')).toBe('..-..-etc-passwd');
    expect(sanitize('..')).toBe('x');
    expect(sanitize('a b/c\\d:e')).toBe('a-b-c-d-e');
    expect(combinationName({ topology: { kind: 'file', path: '/tmp/../g.txt' } })).toBe('topology=file-path-tmp-..-g.txt');
    expect(valueLabel({ kind: 'choco', compression: { kind: 'top-k', fraction: 0.01 } })).toBe('choco-compression-top-k-fraction0.01');
  });

  it('stay distinct where sanitising would make two the same', () => {
    const names = combinationNames([{ x: 'a/b' }, { x: 'a:b' }, { x: 'c' }]);
    expect(new Set(names).size).toBe(3);
    expect(names[2]).toBe('x=c');
    expect(names[0]).toMatch(/^x=a-b~[0-9a-f]{8}$/);
  });

  it('are cut with a hash when long, and stay stable', () => {
    const params = { 'model.hidden': Array.from({ length: 60 }, (_, i) => i + 100) };
    const name = combinationName(params);
    expect(name.length).toBeLessThanOrEqual(120);
    expect(name).toMatch(/~[0-9a-f]{8}$/);
    expect(combinationName(structuredClone(params))).toBe(name);
  });
});
