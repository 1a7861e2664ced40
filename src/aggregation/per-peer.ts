// The simple form of an aggregation rule, for a newcomer: one peer at a time, its own row and the
// rows it hears with their mixing weights. It becomes an ordinary rule (combine over a range of
// rows), so it runs wherever the built-ins do, in workers and live, with the same bits.
import type { z } from 'zod';
import type { KindSchema } from '../protocol/types.js';
import { defineAggregation, type AggregationRule, type PairwiseMerge } from './types.js';

/** One peer's neighbourhood, as merge() sees it. Rows are views: read them, write only `out`. */
export interface PeerNeighbourhood {
  /** the peer whose next row is computed */
  readonly peer: number;
  /** its own current row */
  readonly own: Float32Array;
  /** its mixing weight on its own row */
  readonly selfWeight: number;
  /** the rows it hears (its in-neighbours', or an attacker's crafted message), in mixing order */
  readonly neighbours: readonly Float32Array[];
  /** their mixing weights (own and neighbours' weights sum to 1) */
  readonly weights: readonly number[];
}

export interface PeerAggregation<S extends KindSchema = KindSchema> {
  readonly kind: z.output<S>['kind'];
  readonly schema: S;
  /** one line for help texts */
  readonly summary: string;
  /** out <- the peer's next row (out is not one of the input rows) */
  merge(spec: z.output<S>, hood: PeerNeighbourhood, out: Float32Array): void;
  /** as AggregationRule.check */
  check?(spec: z.output<S>, minCount: number): string[];
  /** as AggregationRule.pairwise */
  pairwise?(spec: z.output<S>): PairwiseMerge | string;
}

/** An aggregation rule written one peer at a time (see PeerAggregation). */
export function definePeerAggregation<S extends KindSchema>(rule: PeerAggregation<S>): AggregationRule<S> {
  const { merge, ...rest } = rule;
  return defineAggregation<S>({
    ...rest,
    combine(env, spec, w, src, dst, r0, r1) {
      const dim = env.dim;
      for (let i = r0; i < r1; i++) {
        const neighbours: Float32Array[] = [];
        const weights: number[] = [];
        let selfWeight = 0;
        for (let p = w.offsets[i]; p < w.offsets[i + 1]; p++) {
          const j = w.cols[p];
          if (j === i) selfWeight += w.weights[p];
          else {
            neighbours.push(src.subarray(j * dim, (j + 1) * dim));
            weights.push(w.weights[p]);
          }
        }
        const own = src.subarray(i * dim, (i + 1) * dim);
        merge(spec, { peer: i, own, selfWeight, neighbours, weights }, dst.subarray(i * dim, (i + 1) * dim));
      }
    },
  });
}
