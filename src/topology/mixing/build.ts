// Shared assembly of a symmetric mixing matrix: off-diagonal weights from a rule, the
// diagonal as 1 - (row sum) so rows sum to one exactly up to rounding.
import { TopologyError } from '../../errors.js';
import type { MixingMatrix, Topology } from '../../types.js';

/** Rejects directed graphs for the symmetric rules, which need w_ij = w_ji on both-way edges. */
export function requireUndirected(t: Topology, rule: string): void {
  if (t.directed) {
    throw new TopologyError(
      `mixing: the ${rule} rule needs an undirected topology, and this one is directed; ` +
        `use mixing 'column-stochastic' (push-sum) for directed graphs`,
    );
  }
}

/** Row i = neighbours of i plus i itself, ascending; `weight(i, j)` gives w_ij for i != j. */
export function symmetricMixing(t: Topology, weight: (i: number, j: number) => number): MixingMatrix {
  const { n } = t;
  const offsets = new Int32Array(n + 1);
  const cols = new Int32Array(t.neighbors.length + n);
  const weights = new Float64Array(t.neighbors.length + n);
  let w = 0;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let diag = -1;
    for (let p = t.offsets[i]; p < t.offsets[i + 1]; p++) {
      const j = t.neighbors[p];
      if (diag < 0 && j > i) diag = w++; // slot the diagonal in its sorted place
      cols[w] = j;
      weights[w] = weight(i, j);
      sum += weights[w++];
    }
    if (diag < 0) diag = w++;
    cols[diag] = i;
    weights[diag] = 1 - sum;
    offsets[i + 1] = w;
  }
  return { n, offsets, cols, weights };
}
