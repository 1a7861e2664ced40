// A bad sweep file is reported before anything runs: every problem named by its field (and, for
// a config a combination makes invalid, by the combination), with the fix.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { planSweep } from '../../src/sweep/plan.js';
import { loadSweepFile } from '../../src/sweep/spec.js';

const dir = mkdtempSync(join(tmpdir(), 'plexus-sweep-spec-'));
writeFileSync(join(dir, 'base.yaml'), `peers: 8
rounds: 5
topology: { kind: ring, k: 1 }
data: { dataset: { kind: blobs, classes: 3, features: 6, trainSize: 800, testSize: 200 }, examplesPerPeer: 50 }
model: { kind: logistic }
eval: { every: 5, testExamples: 200 }
`);
let n = 0;
function sweepFile(text: string): string {
  const p = join(dir, `sweep-${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}

/** Every issue the sweep file gives, loading and planning it. */
function issuesOf(text: string): string[] {
  try {
    planSweep(loadSweepFile(sweepFile(text)));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('a sweep file', () => {
  it('names unknown top-level keys, with a did-you-mean', () => {
    expect(issuesOf('base: base.yaml\nseeds: [1]\ngrdi: {}\nrounds: 3\n')).toEqual([
      expect.stringMatching(/^grdi: unknown key \(did you mean 'grid'\?\)/),
      expect.stringMatching(/^rounds: unknown key; a sweep file has base, seeds, grid \(config fields go in the base config or the grid\)/),
    ]);
  });

  it('needs a base that exists, relative to the sweep file', () => {
    expect(issuesOf('seeds: [1]\n')).toEqual([expect.stringMatching(/^base: required; name the config every run starts from/)]);
    expect(issuesOf('base: nope.yaml\nseeds: [1]\n')).toEqual([`base: nope.yaml: no such file (looked for ${join(dir, 'nope.yaml')})`]);
    expect(issuesOf('base: 3\nseeds: [1]\n')).toEqual([expect.stringMatching(/^base: must be the path of a config file/)]);
  });

  it('needs seeds: a non-empty list of distinct whole numbers >= 0 (0 included)', () => {
    expect(issuesOf('base: base.yaml\n')).toEqual([expect.stringMatching(/^seeds: required; a non-empty list of whole numbers >= 0/)]);
    expect(issuesOf('base: base.yaml\nseeds: []\n')).toEqual([expect.stringMatching(/^seeds: must be a non-empty list/)]);
    expect(issuesOf('base: base.yaml\nseeds: 3\n')).toEqual([expect.stringMatching(/^seeds: must be a non-empty list.*\(got 3\)/)]);
    expect(issuesOf('base: base.yaml\nseeds: [0, -1, 1.5, x, 9007199254740993, 0]\n')).toEqual([
      'seeds[1]: -1 is not a whole number >= 0 (at most 9007199254740991)',
      'seeds[2]: 1.5 is not a whole number >= 0 (at most 9007199254740991)',
      'seeds[3]: "x" is not a whole number >= 0 (at most 9007199254740991)',
      'seeds[4]: 9007199254740992 is not a whole number >= 0 (at most 9007199254740991)',
      'seeds[5]: 0 is listed twice; list each seed once',
    ]);
  });

  it('needs each grid value to be a non-empty list of distinct values', () => {
    expect(issuesOf('base: base.yaml\nseeds: [1]\ngrid:\n  train.lr: 0.1\n  topology: []\n  eval.every: [1, 2, 1]\n')).toEqual([
      'grid.train.lr: must be a non-empty list of values, e.g. train.lr: [a, b] (got 0.1)',
      'grid.topology: must be a non-empty list of values, e.g. topology: [a, b] (got [])',
      'grid.eval.every[2]: 1 is listed twice (also at [0]); list each value once',
    ]);
    expect(issuesOf('base: base.yaml\nseeds: [1]\ngrid: [1]\n')).toEqual([expect.stringMatching(/^grid: must be a mapping of config paths to lists of values/)]);
  });

  it('refuses grid keys that are not config paths, with a did-you-mean', () => {
    expect(issuesOf('base: base.yaml\nseeds: [1]\ngrid:\n  train.lrr: [0.1]\n')).toEqual([
      "grid.train.lrr: not a config path: train has no key 'lrr' (did you mean 'train.lr'?); keys there: optimizer, lr, batchSize, localSteps, stages",
    ]);
    expect(issuesOf('base: base.yaml\nseeds: [1]\ngrid:\n  topolgy: [complete]\n')).toEqual([expect.stringMatching(/^grid\.topolgy: not a config path: a config has no key 'topolgy' \(did you mean 'topology'\?\)/)]);
    // read with the kind the combination sets
    expect(issuesOf('base: base.yaml\nseeds: [1]\ngrid:\n  topology.kk: [2]\n')).toEqual([expect.stringMatching(/^grid\.topology\.kk: not a config path: topology has no key 'kk' \(did you mean 'topology\.k'\?\); keys there: kind, k, schedule/)]);
    expect(issuesOf('base: base.yaml\nseeds: [1]\ngrid:\n  model.hidden.0: [3]\n  seed: [1]\n  topology: [ring]\n  topology.k: [1]\n')).toEqual([
      expect.stringMatching(/^grid\.model\.hidden\.0: not a config path; write the field's keys joined by dots/),
      expect.stringMatching(/^grid\.seed: seeds are swept by the top-level list/),
      'grid.topology.k: overlaps grid.topology, which sets the whole of topology; keep one of them',
    ]);
  });

  it('reports YAML errors with their line and column', () => {
    const issues = issuesOf('base: base.yaml\nseeds: [1\ngrid: {}\n');
    expect(issues[0]).toMatch(/sweep-\d+\.yaml line 3, column 1: /);
  });

  it('reports a base config that does not parse, naming its file and line', () => {
    writeFileSync(join(dir, 'broken.yaml'), 'peers: 8\nrounds: [\n');
    expect(issuesOf('base: broken.yaml\nseeds: [1]\n')[0]).toMatch(/broken\.yaml line 3, column 1: /);
  });

  it('resolves every combination up front, naming the combination and the field', () => {
    const issues = issuesOf(`base: base.yaml
seeds: [1, 2]
grid:
  train.lr: [0.1, -1]
  topology: [{ kind: ring, k: 1 }, { kind: torus, rows: 3, cols: 3 }]
`);
    expect(issues).toEqual([
      '[train.lr=0.1, topology={"kind":"torus","rows":3,"cols":3}] topology: torus rows x cols must equal peers (3 x 3 = 9, peers = 8)',
      '[train.lr=-1, topology={"kind":"ring","k":1}] train.lr: must be >= 0 (got -1)',
      '[train.lr=-1, topology={"kind":"torus","rows":3,"cols":3}] train.lr: must be >= 0 (got -1)',
    ]);
  });

  it('counts the runs and refuses a grid of more than 10,000', () => {
    const values = `[${Array.from({ length: 101 }, (_, i) => i + 1).join(', ')}]`;
    expect(issuesOf(`base: base.yaml\nseeds: [1]\ngrid:\n  rounds: ${values}\n  eval.every: ${values}\n`)).toEqual([
      'grid: 101 x 101 combinations x 1 seeds = 10201 runs, more than 10000; split the sweep',
    ]);
  });
});

describe('a valid sweep', () => {
  it('resolves each run as plexus run will: base name, seed, relative topology files from the base', () => {
    writeFileSync(join(dir, 'edges.txt'), '0 1\n1 2\n2 3\n3 4\n4 5\n5 6\n6 7\n7 0\n');
    const plan = planSweep(loadSweepFile(sweepFile('base: base.yaml\nseeds: [0, 4]\ngrid:\n  topology: [{ kind: file, path: edges.txt }, complete]\n')));
    expect(plan.runs.map((r) => r.id)).toEqual(['topology=file-path-edges.txt/seed-0', 'topology=file-path-edges.txt/seed-4', 'topology=complete/seed-0', 'topology=complete/seed-4']);
    expect(plan.runs.map((r) => r.resolved.seed)).toEqual([0, 4, 0, 4]);
    expect(plan.runs[0].resolved.name).toBe('base');
    expect(plan.runs[0].resolved.topology).toMatchObject({ kind: 'file', path: join(dir, 'edges.txt') });
    // the written config holds the absolute path, so it runs from the sweep directory
    expect(plan.combinations[0].config.topology).toEqual({ kind: 'file', path: join(dir, 'edges.txt') });
  });
});

describe('the worked examples in experiments/sweeps', () => {
  it('topologies.yaml: 3 topologies x 2 learning rates x 3 seeds = 18 valid runs', () => {
    const plan = planSweep(loadSweepFile('experiments/sweeps/topologies.yaml'));
    expect(plan.runs).toHaveLength(18);
    expect(plan.combinations.map((c) => c.name)).toEqual([
      'topology=ring-k2_train.lr=0.05', 'topology=ring-k2_train.lr=0.1',
      'topology=torus-rows8-cols8_train.lr=0.05', 'topology=torus-rows8-cols8_train.lr=0.1',
      'topology=complete_train.lr=0.05', 'topology=complete_train.lr=0.1',
    ]);
    const torus = plan.runs.find((r) => r.id === 'topology=torus-rows8-cols8_train.lr=0.1/seed-3')!;
    expect(torus.resolved).toMatchObject({ name: 'ring64-mnist', seed: 3, peers: 64, topology: { kind: 'torus', rows: 8, cols: 8 }, train: { lr: 0.1 } });
  });

  it('noniid.yaml: Dirichlet alpha 0.05 to 10 on a ring and a complete graph, 24 valid runs', () => {
    const plan = planSweep(loadSweepFile('experiments/sweeps/noniid.yaml'));
    expect(plan.runs).toHaveLength(24);
    const alphas = new Set(plan.runs.map((r) => (r.resolved.data.partition as { alpha: number }).alpha));
    expect([...alphas]).toEqual([0.05, 0.3, 1, 10]);
    expect(new Set(plan.runs.map((r) => r.resolved.topology.kind))).toEqual(new Set(['ring', 'complete']));
  });
});
