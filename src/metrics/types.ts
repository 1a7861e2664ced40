// One interface for a metric a config turns on (metrics:): a listener that, after a round, reads the
// peers' rows (and the round's traffic and evaluation) and contributes fields to that round's line
// of metrics.jsonl, and per-peer fields to peers.jsonl on evaluation rounds.
import type { z } from 'zod';
import type { KindSchema } from '../protocol/types.js';

/** What a metric reads after a round, in the main thread. Everything is read only. */
export interface MetricContext {
  readonly round: number;
  readonly peers: number;
  /** parameters per row */
  readonly dim: number;
  readonly seed: number;
  /** the peers' parameter rows after the round (peers x dim, row-major) */
  readonly rows: Float32Array;
  /** the honest peers (every peer when the run has no adversaries): what the built-in figures average over */
  readonly honest: readonly number[];
  /** 1 for an attacking peer */
  readonly adversarial: Uint8Array;
  /** bytes sent so far, in all and per peer (cumulative) */
  readonly traffic: { readonly bytes: number; readonly perPeer: Float64Array };
  /** on evaluation rounds only: each peer's test accuracy and loss (null where a peer was not evaluated) */
  readonly evaluation?: { readonly accuracy: readonly (number | null)[]; readonly loss: readonly (number | null)[] };
}

/**
 * What measure() returns: each of the metric's `fields` as a finite number (its round line), and on
 * evaluation rounds each of its `peerFields` as an array over peers of finite numbers or null.
 */
export type MetricValues = Record<string, number | readonly (number | null)[]>;

export interface Metric<S extends KindSchema = KindSchema> {
  readonly kind: z.output<S>['kind'];
  readonly schema: S;
  /** one line for help texts */
  readonly summary: string;
  /** the fields it adds to a round's line in metrics.jsonl (names no built-in field uses) */
  readonly fields: readonly string[];
  /** the per-peer fields it adds to peers.jsonl on evaluation rounds (arrays indexed by peer) */
  readonly peerFields?: readonly string[];
  /** 'round': measured every round; 'evaluation' (default): on evaluation rounds (eval.every) only */
  readonly every?: 'round' | 'evaluation';
  /** Measures a round; must be a function of the context (and the spec) alone, so every worker count gives the same line. */
  measure(spec: z.output<S>, ctx: MetricContext): MetricValues;
}

export function defineMetric<S extends KindSchema>(m: Metric<S>): Metric<S> {
  return m;
}
