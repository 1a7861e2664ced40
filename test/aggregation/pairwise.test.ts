// The rules' pairwise form, for protocols that merge one received model at a time (asynchronous
// gossip learning): which rules have one, and exact answers for those that do.
import { describe, expect, it } from 'vitest';
import { aggregationRules, pairwiseOf, type PairwiseMerge } from '../../src/aggregation/index.js';

const merge = (spec: Parameters<typeof pairwiseOf>[0]) => pairwiseOf(spec) as PairwiseMerge;

describe('pairwise merges', () => {
  it('exist for mean and clipped gossip with a fixed tau, and say why for every other rule', () => {
    const specs = {
      mean: { kind: 'mean' }, median: { kind: 'median' }, 'trimmed-mean': { kind: 'trimmed-mean', trim: 1 }, krum: { kind: 'krum', f: 1 },
      'multi-krum': { kind: 'multi-krum', f: 1, m: 2 }, 'clipped-gossip': { kind: 'clipped-gossip', tau: 1 },
    } as const;
    // a new rule must say here whether it merges one model at a time
    expect(aggregationRules.map((r) => r.kind).sort()).toEqual(Object.keys(specs).sort());
    const capable = Object.values(specs).filter((s) => typeof pairwiseOf(s) === 'function').map((s) => s.kind);
    expect(capable).toEqual(['mean', 'clipped-gossip']);
    expect(pairwiseOf({ kind: 'median' })).toBe('needs several models at once');
    expect(pairwiseOf({ kind: 'clipped-gossip', tau: 'adaptive' })).toMatch(/several neighbours at once/);
  });

  it('clipped gossip equals the mean\'s merge within tau, and moves exactly a * tau towards a farther model', () => {
    const row = () => new Float32Array([1, 1, 1]);
    const near = new Float32Array([1.3, 1.4, 1]); // distance 0.5
    const a = row(), b = row();
    merge({ kind: 'mean' })(a, near, 0.4);
    merge({ kind: 'clipped-gossip', tau: 0.5 })(b, near, 0.4);
    expect(Array.from(b)).toEqual(Array.from(a));
    const far = new Float32Array([1 + 30, 1 + 40, 1]); // distance 50, direction (0.6, 0.8, 0)
    const c = row();
    merge({ kind: 'clipped-gossip', tau: 2 })(c, far, 0.25); // moves 0.25 * 2 = 0.5 along the direction
    expect(c[0]).toBeCloseTo(1 + 0.3, 6);
    expect(c[1]).toBeCloseTo(1 + 0.4, 6);
    expect(c[2]).toBe(1);
  });
});
