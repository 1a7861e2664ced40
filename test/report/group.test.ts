import { describe, expect, it } from 'vitest';
import { differingPaths, groupRuns, makeLabel } from '../../src/report/group.js';
import { ReportInputError } from '../../src/report/errors.js';
import type { RunData } from '../../src/report/read-run.js';
import { baseConfig } from './fixtures.js';

const run = (seed: number, over: Record<string, unknown> = {}, name = 'tiny'): RunData => ({
  dir: `/runs/${name}-${seed}`,
  config: { ...baseConfig, ...over, seed, name },
  metrics: [{ round: 1, consensusDistance: 1, bytesSent: 1, roundSeconds: 1 }],
});

describe('grouping runs by config less seed', () => {
  it('puts runs that differ only in seed and name in one group', () => {
    const g = groupRuns([run(1), run(2, {}, 'renamed'), run(3)]);
    expect(g.groups).toHaveLength(1);
    expect(g.groups[0].runs.map((r) => r.config.seed)).toEqual([1, 2, 3]);
    expect(g.keys).toEqual([]);
    expect(g.shared.find(([k]) => k === 'train.lr')).toEqual(['train.lr', '0.1']);
  });

  it('splits on any other key, in the order the runs come, labelled by the keys that differ', () => {
    const lr = (v: number) => ({ train: { lr: v } });
    const g = groupRuns([run(1, lr(0.5)), run(1, lr(0.1)), run(2, lr(0.5)), run(2, lr(0.1))]);
    expect(g.keys).toEqual(['train.lr']);
    expect(g.groups.map((x) => [x.label, x.runs.length])).toEqual([['0.5', 2], ['0.1', 2]]);
  });

  it('labels several keys compactly: a kind bare, the others as name=value', () => {
    const g = groupRuns([run(1), run(1, { topology: { kind: 'torus', rows: 2, cols: 2 } })]);
    expect(g.keys).toEqual(['topology.kind', 'topology.k', 'topology.rows', 'topology.cols']);
    expect(g.groups.map((x) => x.label)).toEqual(['ring, k=1', 'torus, rows=2, cols=2']);
    expect(g.groups[1].values).toEqual(['torus', '', '2', '2']);
  });

  it('--by chooses the label keys and accepts a key that is not a leaf', () => {
    const g = groupRuns([run(1), run(1, { topology: { kind: 'torus', rows: 2, cols: 2 } })], ['topology']);
    expect(g.groups.map((x) => x.label)).toEqual(['ring, k=1', 'torus, rows=2, cols=2']);
  });

  it('--by refuses a key no config has, suggesting the nearest', () => {
    expect(() => groupRuns([run(1)], ['train.lrr'])).toThrow(ReportInputError);
    expect(() => groupRuns([run(1)], ['train.lrr'])).toThrow(/'train.lrr' is not a key.*did you mean 'train.lr'/);
  });

  it('--by refuses keys that give two groups one label, naming the key to add', () => {
    const runs = [run(1, { train: { lr: 0.5 } }), run(1, { train: { lr: 0.1 } })];
    expect(() => groupRuns(runs, ['topology.kind'])).toThrow(/same label 'ring'.*differ in train\.lr.*--by topology\.kind,train\.lr/);
  });

  it('--by seed is refused: seeds are what a group averages over', () => {
    expect(() => groupRuns([run(1), run(2)], ['seed'])).toThrow(/grouped across seeds/);
  });

  it('a key missing from one config counts as differing, and an empty label says none', () => {
    expect(differingPaths([{ a: 1 }, { a: 1, b: 2 }])).toEqual(['b']);
    expect(makeLabel(['topology.schedule'], [''])).toBe('none');
  });
});
