// The metric registry: the metrics a config turns on (metrics:), built-in and from plug-ins, and the
// field names the run format already uses, which none of them may take.
import { z } from 'zod';
import { unionOfKinds } from '../config/kinds.js';
import { KindRegistry } from '../config/registry.js';
import { PEER_FIELDS, ROUND_FIELDS } from '../run-format/fields.js';
import { nearConsensus } from './near-consensus.js';
import type { Metric } from './types.js';

export const metricKinds = [nearConsensus] as const;

const builtInSchema = unionOfKinds(metricKinds);
/** The built-ins and the metrics plug-ins add. */
export const metricRegistry = new KindRegistry<Metric>('metrics', 'metrics', metricKinds as readonly Metric[]);
export const metricSchema = metricRegistry.lazySchema<typeof builtInSchema>();
export type MetricSpec = z.output<typeof builtInSchema>;

/** Why a metric's declared fields cannot be used, or undefined (checked when a plug-in registers it). */
export function metricFieldsProblem(m: Pick<Metric, 'fields' | 'peerFields'>): string | undefined {
  const name = /^[a-zA-Z][a-zA-Z0-9_]*$/;
  if (!Array.isArray(m.fields)) return "fields: list the names of the fields it adds to a round's line";
  if (m.peerFields !== undefined && !Array.isArray(m.peerFields)) return 'peerFields: list the names of the per-peer fields it adds';
  if (m.fields.length + (m.peerFields?.length ?? 0) === 0) return 'fields: a metric adds at least one field';
  for (const f of m.fields) {
    if (typeof f !== 'string' || !name.test(f)) return `fields: ${JSON.stringify(f)} is not a field name (letters, digits, '_')`;
    if (ROUND_FIELDS.has(f)) return `fields: '${f}' is a built-in field of metrics.jsonl; name yours otherwise`;
  }
  for (const f of m.peerFields ?? []) {
    if (typeof f !== 'string' || !name.test(f)) return `peerFields: ${JSON.stringify(f)} is not a field name (letters, digits, '_')`;
    if (PEER_FIELDS.has(f)) return `peerFields: '${f}' is a built-in field of peers.jsonl; name yours otherwise`;
  }
  return undefined;
}

/** The metrics a config turns on; two that write one field are refused. */
export const metricsSchema = z
  .array(metricSchema)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((spec, i) => {
      const m = metricRegistry.get(spec.kind);
      for (const f of [...m.fields, ...(m.peerFields ?? [])]) {
        const first = seen.get(f);
        if (first !== undefined) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i], message: `'${spec.kind}' writes the field '${f}' that metrics[${first}] writes too; keep one of them` });
        }
        seen.set(f, i);
      }
    });
  });

export { defineMetric, type Metric, type MetricContext, type MetricValues } from './types.js';
