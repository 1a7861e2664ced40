// Runs the metrics a config turns on after each round and checks what they return: the declared
// fields, finite numbers, arrays over every peer. A plug-in metric's fault names its file.
import { PlexusError } from '../errors.js';
import { metricRegistry, type MetricSpec } from './index.js';
import type { Metric, MetricContext } from './types.js';

/** A metric failed or returned something other than what it declares (exit 1; the run so far is kept). */
export class MetricError extends PlexusError {}

export interface MeasuredFields {
  round: Record<string, number>;
  peers: Record<string, (number | null)[]>;
}

export class MetricSet {
  private readonly entries: { metric: Metric; spec: MetricSpec; who: string }[];

  constructor(specs: readonly MetricSpec[]) {
    this.entries = specs.map((spec) => {
      const source = metricRegistry.sourceOf(spec.kind);
      const who = source === undefined || source === 'built-in' ? `metric '${spec.kind}'` : `plug-in ${source}: metric '${spec.kind}'`;
      return { metric: metricRegistry.get(spec.kind), spec, who };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The fields of the metrics due this round: those measured every round, and on evaluation rounds
   * (ctx.evaluation present) the others too, with their per-peer fields.
   */
  measure(ctx: MetricContext): MeasuredFields {
    const out: MeasuredFields = { round: {}, peers: {} };
    const evaluated = ctx.evaluation !== undefined;
    for (const { metric, spec, who } of this.entries) {
      const every = metric.every ?? 'evaluation';
      if (!evaluated && every !== 'round') continue;
      let values: Record<string, unknown>;
      try {
        values = metric.measure(spec as never, ctx) as Record<string, unknown>;
      } catch (e) {
        throw new MetricError(`${who} threw at round ${ctx.round}: ${(e as Error)?.message ?? e}`);
      }
      const fail = (what: string): never => {
        throw new MetricError(`${who} ${what} at round ${ctx.round}; a metric returns each of its fields as a finite number (per-peer fields: an array over the ${ctx.peers} peers of finite numbers or null)`);
      };
      if (!values || typeof values !== 'object') fail(`returned ${String(values)}`);
      for (const f of metric.fields) {
        const v = values[f];
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(`gave ${f} = ${Array.isArray(v) ? 'an array' : String(v)}`);
        out.round[f] = v as number;
      }
      if (!evaluated) continue;
      for (const f of metric.peerFields ?? []) {
        const v = values[f];
        if (!Array.isArray(v) || v.length !== ctx.peers) fail(`gave ${f} = ${Array.isArray(v) ? `an array of ${v.length}` : String(v)}`);
        const list = v as unknown[];
        for (let i = 0; i < list.length; i++) if (list[i] !== null && !(typeof list[i] === 'number' && Number.isFinite(list[i]))) fail(`gave ${f}[${i}] = ${String(list[i])}`);
        out.peers[f] = Array.from(list as (number | null)[]);
      }
    }
    return out;
  }
}
