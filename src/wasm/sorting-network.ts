// Comparator networks that sort k values, for the order-statistic kernel (exchange-module.ts):
// the best known (fewest comparators) up to 8 values, Batcher's odd-even merge sort above.

/** A comparator: after it, position a holds the smaller value and b the larger (a < b). */
export type Comparator = readonly [a: number, b: number];

/** Fewest-comparator networks (Knuth, TAOCP 5.3.4) for 2..8 values: 1, 3, 5, 9, 12, 16, 19. */
const BEST: Record<number, readonly Comparator[]> = {
  2: [[0, 1]],
  3: [[0, 2], [0, 1], [1, 2]],
  4: [[0, 2], [1, 3], [0, 1], [2, 3], [1, 2]],
  5: [[0, 3], [1, 4], [0, 2], [1, 3], [0, 1], [2, 4], [1, 2], [3, 4], [2, 3]],
  6: [[0, 5], [1, 3], [2, 4], [1, 2], [3, 4], [0, 3], [2, 5], [0, 1], [2, 3], [4, 5], [1, 2], [3, 4]],
  7: [[0, 6], [2, 3], [4, 5], [0, 2], [1, 4], [3, 6], [0, 1], [2, 5], [3, 4], [1, 2], [4, 6], [2, 3], [4, 5], [1, 2], [3, 4], [5, 6]],
  8: [[0, 2], [1, 3], [4, 6], [5, 7], [0, 4], [1, 5], [2, 6], [3, 7], [0, 1], [2, 3], [4, 5], [6, 7], [2, 4], [3, 5], [1, 4], [3, 6], [1, 2], [3, 4], [5, 6]],
};

/**
 * Batcher's odd-even merge sort on the next power of two, keeping the comparators inside [0, k):
 * the missing positions act as +infinity, which no comparator would move.
 */
function batcher(k: number): Comparator[] {
  let n = 1;
  while (n < k) n *= 2;
  const out: Comparator[] = [];
  for (let p = 1; p < n; p *= 2) {
    for (let s = p; s >= 1; s >>= 1) {
      for (let j = s % p; j + s < n; j += 2 * s) {
        for (let i = 0; i < Math.min(s, n - j - s); i++) {
          const a = i + j, b = i + j + s;
          if (Math.floor(a / (2 * p)) === Math.floor(b / (2 * p)) && b < k) out.push([a, b]);
        }
      }
    }
  }
  return out;
}

/** A network that sorts any k values ascending (k >= 1). */
export function sortingNetwork(k: number): readonly Comparator[] {
  return BEST[k] ?? (k < 2 ? [] : batcher(k));
}

/** A comparator of a pruned network; `min` / `max` say which of its outputs is still read. */
export interface Step {
  readonly a: number;
  readonly b: number;
  readonly min: boolean;
  readonly max: boolean;
}

/**
 * sortingNetwork(k) cut down to what positions [lo, hi) of the sorted values need: comparators
 * whose outputs nothing reads are dropped, and those with one output read keep only that half.
 */
export function selectionNetwork(k: number, lo: number, hi: number): Step[] {
  const read = new Set<number>();
  for (let j = lo; j < hi; j++) read.add(j);
  const steps: Step[] = [];
  const net = sortingNetwork(k);
  for (let q = net.length - 1; q >= 0; q--) {
    const [a, b] = net[q];
    const min = read.has(a), max = read.has(b);
    if (!min && !max) continue;
    steps.push({ a, b, min, max });
    read.add(a).add(b);
  }
  return steps.reverse();
}
