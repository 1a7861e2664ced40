// One interface for every neighbour aggregation rule: how a peer combines its own row and the
// rows it hears (one row of the mixing matrix, self included) into its next parameters.
import type { z } from 'zod';
import type { KindSchema } from '../protocol/types.js';
import type { MixingMatrix } from '../types.js';
import type { Window } from './order-statistics.js';

/** What a rule may use in the thread that runs it. */
export interface AggregationEnv {
  readonly dim: number;
  /** dst rows [r0, r1) = W src, the engine's fastest weighted mean (SIMD where available) */
  weightedMean(w: MixingMatrix, src: Float32Array, dst: Float32Array, r0: number, r1: number): void;
  /**
   * dst rows [r0, r1) = per coordinate, the mean of the sorted values [lo, hi) = window(k) of the
   * k values each row hears (order-statistic rules; SIMD where available, same bits either way).
   */
  windowMean(w: MixingMatrix, src: Float32Array, dst: Float32Array, r0: number, r1: number, window: Window): void;
  /**
   * sum over c < len of (src[a + c] - src[b + c])^2 in float64, in the lane order of
   * aggregation/distance.ts (SIMD where available, same bits either way; symmetric in a and b)
   */
  squaredDistance(src: Float32Array, a: number, b: number, len: number): number;
  /** per-thread scratch of `length` entries (contents undefined) */
  scratch(name: string, length: number): Float32Array;
  scratch64(name: string, length: number): Float64Array;
}

export interface AggregationRule<S extends KindSchema = KindSchema> {
  readonly kind: z.output<S>['kind'];
  readonly schema: S;
  /** one line for help texts */
  readonly summary: string;
  /**
   * dst rows [r0, r1): each row's combination of the src rows it hears (w.cols of its row,
   * self included). Depends only on those rows, so any split over workers gives the same bits.
   */
  combine(env: AggregationEnv, spec: z.output<S>, w: MixingMatrix, src: Float32Array, dst: Float32Array, r0: number, r1: number): void;
  /**
   * the plain w-weighted mean of the rows heard: protocols that do not aggregate, plasticity's
   * strength-weighted rows and the engine's fused mixing may use the weights as they are
   */
  readonly weightedMean?: boolean;
  /** Problems with running on graphs whose smallest neighbourhood (self included) has `minCount` rows. */
  check?(spec: z.output<S>, minCount: number): string[];
  /**
   * The rule for protocols that merge one received model at a time (asynchronous gossip learning):
   * a merge of `other` into `row` in place with weight `a` on other, or why the rule has none for
   * this spec. Absent: the rule needs several models at once (order statistics, Krum).
   */
  pairwise?(spec: z.output<S>): PairwiseMerge | string;
}

/** row <- the rule's combination of row (own, in place) and one received model, weight a on it. */
export type PairwiseMerge = (row: Float32Array, other: Float32Array, a: number) => void;

export function defineAggregation<S extends KindSchema>(rule: AggregationRule<S>): AggregationRule<S> {
  return rule;
}
