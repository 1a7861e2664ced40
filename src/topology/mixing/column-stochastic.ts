// Push-sum weights: peer j keeps 1/(1 + outdeg_j) of its mass and sends the same share to
// each out-neighbour. Orientation: W[i][j] is the share i RECEIVES from j, so x' = W x and
// column j sums to 1 (mass is conserved); rows need not sum to 1. Row i therefore lists
// i's in-neighbours plus i itself, which is what the row kernel mixRows consumes.
// An undirected topology is treated as both directions of every edge.
import type { MixingMatrix, Topology } from '../../types.js';
import { degrees, inNeighbors } from '../analysis.js';

export function columnStochastic(t: Topology): MixingMatrix {
  const { n } = t;
  const out = degrees(t);
  const inn = inNeighbors(t);
  const offsets = new Int32Array(n + 1);
  const cols = new Int32Array(inn.neighbors.length + n);
  const weights = new Float64Array(inn.neighbors.length + n);
  let w = 0;
  for (let i = 0; i < n; i++) {
    let diagDone = false;
    for (let p = inn.offsets[i]; p < inn.offsets[i + 1]; p++) {
      const j = inn.neighbors[p];
      if (!diagDone && j > i) {
        cols[w] = i;
        weights[w++] = 1 / (1 + out[i]);
        diagDone = true;
      }
      cols[w] = j;
      weights[w++] = 1 / (1 + out[j]);
    }
    if (!diagDone) {
      cols[w] = i;
      weights[w++] = 1 / (1 + out[i]);
    }
    offsets[i + 1] = w;
  }
  return { n, offsets, cols, weights };
}
