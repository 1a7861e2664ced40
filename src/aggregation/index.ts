// The aggregation registry: the list of rule modules. Their schemas make the config's
// `aggregation` union; a rule is one file plus one line here.
import type { z } from 'zod';
import { unionOfKinds } from '../config/kinds.js';
import { KindRegistry } from '../config/registry.js';
import type { MixingMatrix } from '../types.js';
import { clippedGossip } from './clipped-gossip.js';
import { krum } from './krum.js';
import { mean } from './mean.js';
import { median } from './median.js';
import { multiKrum } from './multi-krum.js';
import { trimmedMean } from './trimmed-mean.js';
import type { AggregationEnv, AggregationRule, PairwiseMerge } from './types.js';

export const aggregationRules = [mean, median, trimmedMean, krum, multiKrum, clippedGossip] as const;

const builtInSchema = unionOfKinds(aggregationRules);
/** The built-ins and the rules plug-ins add. */
export const aggregationRegistry = new KindRegistry<AggregationRule>('aggregation', 'aggregations', aggregationRules as readonly AggregationRule[]);
export const aggregationSchema = aggregationRegistry.lazySchema<typeof builtInSchema>();
export type AggregationSpec = z.output<typeof builtInSchema>;

/** The rule of a config that names none: the plain mean. */
export const DEFAULT_AGGREGATION: AggregationSpec = { kind: mean.kind };

/** The rules that are the plain weighted mean ("a | b"), for messages. */
export function weightedMeans(): string {
  return aggregationRegistry.list().filter((r) => r.weightedMean === true).map((r) => r.kind as string).join(' | ');
}

export function aggregationOf(kind: string): AggregationRule {
  return aggregationRegistry.get(kind);
}

/** dst rows [r0, r1) by the rule `spec`. */
export function aggregate(env: AggregationEnv, spec: AggregationSpec, w: MixingMatrix, src: Float32Array, dst: Float32Array, r0: number, r1: number): void {
  aggregationOf(spec.kind).combine(env, spec, w, src, dst, r0, r1);
}

/**
 * Problems of the rule on a graph whose smallest neighbourhood (self included) has minCount rows.
 * Adversarial peers (`skip`) are left out: what they do with their own model is not defended.
 */
export function aggregationIssues(spec: AggregationSpec, w: MixingMatrix, skip?: Uint8Array): string[] {
  let minCount = Infinity;
  for (let i = 0; i < w.n; i++) if (!skip?.[i]) minCount = Math.min(minCount, w.offsets[i + 1] - w.offsets[i]);
  return aggregationOf(spec.kind).check?.(spec, minCount) ?? [];
}

/** The merge of one received model by the rule (asynchronous gossip), or why it has none. */
export function pairwiseOf(spec: AggregationSpec): PairwiseMerge | string {
  const rule = aggregationOf(spec.kind);
  return rule.pairwise ? rule.pairwise(spec as never) : 'needs several models at once';
}

export type { AggregationEnv, AggregationRule, PairwiseMerge } from './types.js';
export { defineAggregation } from './types.js';
export { definePeerAggregation, type PeerAggregation, type PeerNeighbourhood } from './per-peer.js';
