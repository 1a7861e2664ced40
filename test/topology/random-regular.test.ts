import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../src/errors.js';
import { createRng } from '../../src/rng.js';
import { components, createTopology, randomRegular } from '../../src/topology/index.js';
import { degreesOf, edgeSet } from './fixtures.js';

describe('random-regular', () => {
  it('gives every peer exactly k distinct neighbours, none itself', () => {
    for (const [n, k] of [[32, 4], [10, 3], [7, 2], [50, 7]]) {
      const t = randomRegular(n, k, createRng(1, 'topology'));
      expect(degreesOf(t)).toEqual(new Array(n).fill(k));
      for (let i = 0; i < n; i++) {
        const row = Array.from(t.neighbors.subarray(t.offsets[i], t.offsets[i + 1]));
        expect(row).not.toContain(i);
        expect(new Set(row).size).toBe(k);
      }
    }
  });

  it('is fixed by the seed and differs between seeds', () => {
    const a = edgeSet(randomRegular(32, 4, createRng(3, 'topology')));
    const b = edgeSet(randomRegular(32, 4, createRng(3, 'topology')));
    const c = edgeSet(randomRegular(32, 4, createRng(4, 'topology')));
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
  });

  it('is usually connected for k >= 3 and is built from the config kind', () => {
    const t = createTopology({ kind: 'random-regular', k: 4 }, 32, createRng(1, 'topology'));
    expect(components(t)).toEqual([32]);
  });

  it('refuses an odd n x k and k >= n with the field named', () => {
    expect(() => randomRegular(7, 3, createRng(1))).toThrow(/topology\.k: n x k must be even/);
    expect(() => randomRegular(5, 5, createRng(1))).toThrow(TopologyError);
  });
});
