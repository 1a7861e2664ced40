import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { issuesOf } from '../config/helpers.js';

const base = {
  name: 'p', peers: 16, rounds: 40,
  topology: { kind: 'random-regular', k: 4 },
  data: { dataset: 'mnist', examplesPerPeer: 200, clusters: { count: 4, transform: 'rotate' } },
  plasticity: { rule: 'hebbian' },
};

describe('plasticity config', () => {
  it('fills the defaults of a bare rule', () => {
    const c = resolveConfig(base);
    expect(c.plasticity).toEqual({
      rule: 'hebbian', signal: 'loss', rate: 0.1, prune: 0.05, grow: { every: 5, candidates: 2 }, degree: 4, probe: 32, selectionRounds: 20,
    });
    expect(c.data.clusters).toEqual({ count: 4, transform: 'rotate' });
  });

  it('names the field and the allowed range of bad numbers', () => {
    expect(issuesOf({ ...base, plasticity: { rule: 'hebbian', rate: 0 } })[0]).toMatch(/^plasticity\.rate: must be > 0 \(got 0\)/);
    expect(issuesOf({ ...base, plasticity: { rule: 'hebbian', rate: 1.5 } })[0]).toMatch(/^plasticity\.rate: must be <= 1 \(got 1\.5\)/);
    expect(issuesOf({ ...base, plasticity: { rule: 'hebbian', prune: 1 } })[0]).toMatch(/^plasticity\.prune: must be < 1 \(got 1\)/);
    expect(issuesOf({ ...base, plasticity: { rule: 'hebbian', degree: 0 } })[0]).toMatch(/^plasticity\.degree:/);
    expect(issuesOf({ ...base, plasticity: { rule: 'hebbian', grow: { every: 0 } } })[0]).toMatch(/^plasticity\.grow\.every:/);
    expect(issuesOf({ ...base, plasticity: { rule: 'hebian' } })[0]).toMatch(/^plasticity\.rule:/);
  });

  it('refuses protocols that neither mix through rows nor gossip, and says what to use', () => {
    expect(issuesOf({ ...base, protocol: { kind: 'push-sum' } }).join('\n')).toMatch(/plasticity: rewires the mixing rows .* push-sum does neither; use protocol dpsgd or gossip-learning/);
    expect(issuesOf({ ...base, protocol: { kind: 'fedavg' } }).join('\n')).toMatch(/fedavg does neither/);
    const gossip = { ...base, protocol: { kind: 'gossip-learning' }, time: { mode: 'async' } };
    expect(() => resolveConfig(gossip)).not.toThrow();
    expect(issuesOf({ ...gossip, plasticity: { rule: 'pens', grow: { candidates: 4 } } }).join('\n')).toMatch(/plasticity\.rule: pens runs in synchronous rounds/);
    expect(issuesOf({ ...gossip, plasticity: { rule: 'hebbian', signal: 'cosine' } }).join('\n')).toMatch(/plasticity\.signal: cosine compares the updates of one synchronous round/);
  });

  it('refuses crafted attacks, robust aggregation and schedules, but not label flipping', () => {
    expect(issuesOf({ ...base, adversaries: { peers: [1], attack: { kind: 'alie' } } }).join('\n')).toMatch(/adversaries\.attack: alie crafts messages on a fixed graph, and plasticity rewires it/);
    expect(issuesOf({ ...base, aggregation: { kind: 'median' } }).join('\n')).toMatch(/plasticity: .* use aggregation mean/);
    expect(() => resolveConfig({ ...base, adversaries: { peers: [1], attack: { kind: 'label-flip' } } })).not.toThrow();
  });

  it('checks budgets against the peers and the data', () => {
    expect(issuesOf({ ...base, plasticity: { rule: 'hebbian', degree: 16 } }).join('\n')).toMatch(/plasticity\.degree: 16 in-links per peer needs more than the 15 other peers/);
    expect(issuesOf({ ...base, plasticity: { rule: 'hebbian', degree: 2, grow: { candidates: 3 } } }).join('\n')).toMatch(/plasticity\.grow\.candidates: probes count against the degree budget/);
    expect(issuesOf({ ...base, plasticity: { rule: 'pens', degree: 4, grow: { candidates: 2 } } }).join('\n')).toMatch(/PENS keeps the degree \(4\) best/);
    expect(issuesOf({ ...base, plasticity: { rule: 'hebbian', probe: 190 } }).join('\n')).toMatch(/plasticity\.probe: each peer holds out 190/);
  });

  it('checks clusters against the peers and the image shape', () => {
    expect(issuesOf({ ...base, data: { ...base.data, clusters: { count: 17, transform: 'rotate' } } }).join('\n')).toMatch(/data\.clusters\.count: 17 clusters for 16 peers/);
    const blobs = { dataset: { kind: 'blobs', features: 10, trainSize: 4000, testSize: 100 }, examplesPerPeer: 200, clusters: { count: 2, transform: 'rotate' } };
    expect(issuesOf({ ...base, data: blobs }).join('\n')).toMatch(/rotate turns square images, and 10 features is not a square/);
    expect(issuesOf({ ...base, data: { ...base.data, clusters: { count: 2, transform: 'flip' } } })[0]).toMatch(/^data\.clusters\.transform:/);
  });
});
