// Label skew by a Dirichlet prior (Hsu et al. 2019): each peer draws class proportions
// q ~ Dir(alpha) and fills its slots by sampling classes from q, without replacement.

import type { Rng } from '../../rng.js';
import type { Partition } from '../../types.js';
import { createClassPools, fixedSizePartition } from './pools.js';
import { z } from 'zod';
import { definePartition, type PartitionRequest } from './spec.js';

const schema = z.object({ kind: z.literal('dirichlet'), alpha: z.number().gt(0) }).strict();

/**
 * Peers are filled in order from shared per-class pools. When a class runs out, its weight drops
 * to zero and the draw renormalises over the classes left, so late peers in a partition that uses
 * (almost) the whole training set drift towards whatever remains. If every remaining class has
 * weight 0 (gamma underflow at tiny alpha, or only unwanted classes left) the draw falls back to
 * weights proportional to the examples left, i.e. a uniformly random remaining example.
 */
export function partitionDirichlet(req: PartitionRequest, spec: z.output<typeof schema>, rng: Rng): Partition {
  const { labels, classes, peers, examplesPerPeer } = req;
  const { order, start } = createClassPools(labels, classes, rng);
  const next = start.slice(0, classes); // next unused position in each class pool
  const left = (k: number): number => start[k + 1] - next[k];
  const indices = new Int32Array(peers * examplesPerPeer);
  const q = new Float64Array(classes);
  const w = new Float64Array(classes);
  let out = 0;
  for (let p = 0; p < peers; p++) {
    // Dir(alpha) as normalised gammas; normalising is unnecessary since we draw by u * total.
    for (let k = 0; k < classes; k++) q[k] = rng.gamma(spec.alpha);
    let total = weigh(q, w, left, classes);
    for (let s = 0; s < examplesPerPeer; s++) {
      if (!(total > 0)) total = weighBySize(w, left, classes);
      const k = pick(w, total, rng.next(), classes);
      indices[out++] = order[next[k]++];
      if (left(k) === 0) total = weigh(q, w, left, classes); // recompute rather than subtract: no drift
    }
  }
  return fixedSizePartition(peers, examplesPerPeer, indices);
}

function weigh(q: Float64Array, w: Float64Array, left: (k: number) => number, classes: number): number {
  let total = 0;
  for (let k = 0; k < classes; k++) total += w[k] = left(k) > 0 ? q[k] : 0;
  return total;
}

function weighBySize(w: Float64Array, left: (k: number) => number, classes: number): number {
  let total = 0;
  for (let k = 0; k < classes; k++) total += w[k] = left(k);
  return total;
}

function pick(w: Float64Array, total: number, u: number, classes: number): number {
  let r = u * total;
  let last = -1;
  for (let k = 0; k < classes; k++) {
    if (w[k] <= 0) continue;
    last = k;
    r -= w[k];
    if (r < 0) return k;
  }
  return last; // rounding left r a hair above 0: the last class with weight
}

export const dirichletPartition = definePartition({
  kind: 'dirichlet',
  schema,
  summary: 'label skew: each peer draws class proportions from Dir(alpha)',
  partition: partitionDirichlet,
  check: (s) => (s.alpha > 0 && Number.isFinite(s.alpha) ? [] : [{ field: 'alpha', problem: `alpha must be a finite number > 0, got ${s.alpha}` }]),
  describe: (s) => `dirichlet(alpha=${s.alpha})`,
});
