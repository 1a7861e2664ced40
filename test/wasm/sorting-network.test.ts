import { describe, expect, it } from 'vitest';
import { sortingNetwork } from '../../src/wasm/sorting-network.js';

describe('sortingNetwork', () => {
  // the 0-1 principle: a comparator network sorts every input iff it sorts every 0/1 input
  for (let k = 1; k <= 16; k++) {
    it(`sorts every 0/1 input of ${k} values`, () => {
      const net = sortingNetwork(k);
      for (const [a, b] of net) expect(0 <= a && a < b && b < k).toBe(true);
      const v = new Uint8Array(k);
      for (let m = 0; m < 1 << k; m++) {
        for (let j = 0; j < k; j++) v[j] = (m >> j) & 1;
        for (const [a, b] of net) {
          if (v[b] < v[a]) [v[a], v[b]] = [v[b], v[a]];
        }
        let sorted = true;
        for (let j = 1; j < k; j++) sorted &&= v[j - 1] <= v[j];
        if (!sorted) expect.fail(`input ${m.toString(2)} is left unsorted`);
      }
    });
  }
  it('uses the fewest known comparators up to 8 values', () => {
    expect([2, 3, 4, 5, 6, 7, 8].map((k) => sortingNetwork(k).length)).toEqual([1, 3, 5, 9, 12, 16, 19]);
  });
});
