import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText, resolveConfig } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';
import { issuesOf } from './helpers.js';

const base = {
  name: 't',
  seed: 1,
  peers: 64,
  rounds: 10,
  topology: { kind: 'ring', k: 2 },
  data: { dataset: 'mnist', examplesPerPeer: 100, partition: { kind: 'iid' } },
};


describe('resolveConfig', () => {
  it('fills defaults and normalises shorthands', () => {
    const c = resolveConfig({ ...base, topology: 'complete', train: { optimizer: 'adam' } });
    expect(c.topology).toEqual({ kind: 'complete' });
    expect(c.mixing).toBe('metropolis');
    expect(c.data.dataset).toEqual({ kind: 'mnist' });
    expect(c.train.optimizer).toMatchObject({ kind: 'adam', beta1: 0.9, beta2: 0.999 });
    expect(c.model).toMatchObject({ kind: 'mlp', hidden: [128], init: 'shared' });
    expect(c.protocol).toEqual({ kind: 'dpsgd' });
    expect(c.eval).toMatchObject({ every: 50, testExamples: 10000 });
  });

  it('gives logistic regression no hidden layers', () => {
    expect(resolveConfig({ ...base, model: { kind: 'logistic' } }).model.hidden).toEqual([]);
    expect(issuesOf({ ...base, model: { kind: 'logistic', hidden: [10] } })[0]).toMatch(/^model\.hidden: logistic/);
  });

  it('names an unknown key by its path and suggests the closest one', () => {
    const issues = issuesOf({ ...base, peer: 3 });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^peer: unknown key \(did you mean 'peers'\?\)/);
    const nested = issuesOf({ ...base, topology: { kind: 'ring', kk: 2 } });
    expect(nested[0]).toMatch(/^topology\.kk: unknown key \(did you mean 'k'\?\)/);
    const deeper = issuesOf({ ...base, data: { ...base.data, examplesPerPer: 3 } });
    expect(deeper.join('\n')).toMatch(/data\.examplesPerPer: unknown key \(did you mean 'examplesPerPeer'\?\)/);
  });

  it('suggests the closest allowed value for a misspelt kind or enum', () => {
    expect(issuesOf({ ...base, mixing: 'metropolos' })[0]).toMatch(/^mixing: "metropolos" is not allowed \(did you mean 'metropolis'\?\); use one of metropolis \| lazy-metropolis \| uniform/);
    expect(issuesOf({ ...base, topology: { kind: 'rnig', k: 1 } })[0]).toMatch(/^topology\.kind: "rnig" is not allowed \(did you mean 'ring'\?\)/);
  });

  it('rejects fewer than one peer', () => {
    expect(issuesOf({ ...base, peers: 0 })[0]).toMatch(/^peers: must be >= 1 \(got 0\)/);
  });

  it('rejects a ring k too large for the number of peers', () => {
    expect(issuesOf({ ...base, peers: 8, topology: { kind: 'ring', k: 4 } })[0]).toBe(
      'topology.k: a ring of 8 peers allows k at most 3 neighbours each side (got 4)',
    );
  });

  it('rejects a Dirichlet alpha that is not positive', () => {
    expect(issuesOf({ ...base, data: { ...base.data, partition: { kind: 'dirichlet', alpha: 0 } } })[0]).toMatch(
      /^data\.partition\.alpha: must be > 0 \(got 0\)/,
    );
  });

  it('rejects asking for more examples than the dataset has', () => {
    expect(issuesOf({ ...base, data: { ...base.data, examplesPerPeer: 1000 } })[0]).toMatch(
      /^data\.examplesPerPeer: 64 peers x 1000 examples = 64000 exceeds the 60000 training examples of mnist; use at most 937 per peer/,
    );
    expect(issuesOf({ ...base, eval: { testExamples: 20000 } })[0]).toMatch(/^eval\.testExamples: 20000 exceeds the 10000/);
  });

  it('rejects a topology file that does not exist', () => {
    const issues = issuesOf({ ...base, topology: { kind: 'file', path: '/nonexistent/graph.txt' } });
    expect(issues[0]).toBe('topology.path: file not found: /nonexistent/graph.txt');
  });

  it('reports every problem at once, not only the first', () => {
    expect(issuesOf({ ...base, peers: 0, rounds: -1, bogus: 1 })).toHaveLength(3);
  });

  it('reports required keys that are missing', () => {
    const { peers: _p, ...rest } = base;
    expect(issuesOf(rest)[0]).toBe('peers: required (number)');
  });
});

describe('config files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plexus-config-'));

  it('reports YAML syntax errors with line numbers', () => {
    expect(() => parseConfigText('name: x\npeers: [1, 2\nrounds: 3\n', 'bad.yaml')).toThrow(ConfigError);
    try {
      parseConfigText('name: x\npeers: 4\n  rounds: 3\n', 'bad.yaml');
      throw new Error('no error');
    } catch (e) {
      expect((e as ConfigError).issues[0]).toBe('bad.yaml line 2, column 8: Nested mappings are not allowed in compact mappings');
    }
  });

  it('takes the name from the file when absent and resolves topology files next to the config', () => {
    writeFileSync(join(dir, 'edges.txt'), '# a triangle\n0 1\n1 2\n2 0\n');
    writeFileSync(join(dir, 'tri.yaml'), 'peers: 3\nrounds: 2\ntopology: { kind: file, path: edges.txt }\ndata: { examplesPerPeer: 10 }\ntrain: { batchSize: 5 }\n');
    const c = loadConfigFile(join(dir, 'tri.yaml'));
    expect(c.name).toBe('tri');
    expect(c.topology).toEqual({ kind: 'file', path: join(dir, 'edges.txt'), directed: false });
  });

  it('reads JSON configs too and applies the seed override', () => {
    writeFileSync(join(dir, 'j.json'), JSON.stringify(base));
    expect(loadConfigFile(join(dir, 'j.json'), { overrides: { seed: 9 } }).seed).toBe(9);
  });

  it('treats seed 0 as a real seed', () => {
    expect(resolveConfig({ ...base, seed: 0 }).seed).toBe(0);
  });
});
