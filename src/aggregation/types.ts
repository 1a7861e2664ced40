// One interface for every neighbour aggregation rule: how a peer combines its own row and the
// rows it hears (one row of the mixing matrix, self included) into its next parameters.
import type { z } from 'zod';
import type { KindSchema } from '../protocol/types.js';
import type { MixingMatrix } from '../types.js';

/** What a rule may use in the thread that runs it. */
export interface AggregationEnv {
  readonly dim: number;
  /** dst rows [r0, r1) = W src, the engine's fastest weighted mean (SIMD where available) */
  weightedMean(w: MixingMatrix, src: Float32Array, dst: Float32Array, r0: number, r1: number): void;
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
  /** Problems with running on graphs whose smallest neighbourhood (self included) has `minCount` rows. */
  check?(spec: z.output<S>, minCount: number): string[];
}

export function defineAggregation<S extends KindSchema>(rule: AggregationRule<S>): AggregationRule<S> {
  return rule;
}

/**
 * Sorts the k values every coordinate of row i hears, then hands them to `pick`: the shared
 * loop of the order-statistic rules. Values are gathered in float32 so results never depend on
 * evaluation order.
 */
export function forEachSorted(
  env: AggregationEnv, w: MixingMatrix, src: Float32Array, dst: Float32Array, r0: number, r1: number,
  pick: (sorted: Float32Array, k: number) => number,
): void {
  const dim = env.dim;
  for (let i = r0; i < r1; i++) {
    const a = w.offsets[i];
    const k = w.offsets[i + 1] - a;
    const buf = env.scratch('sorted', k);
    const bases = env.scratch64('bases', k);
    for (let j = 0; j < k; j++) bases[j] = w.cols[a + j] * dim;
    const o = i * dim;
    for (let c = 0; c < dim; c++) {
      // insertion sort: neighbourhoods are small
      for (let j = 0; j < k; j++) {
        const v = src[bases[j] + c];
        let t = j;
        while (t > 0 && buf[t - 1] > v) {
          buf[t] = buf[t - 1];
          t--;
        }
        buf[t] = v;
      }
      dst[o + c] = pick(buf, k);
    }
  }
}
