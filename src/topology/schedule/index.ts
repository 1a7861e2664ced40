// The schedule registry: topology.schedule -> a function round -> (graph, mixing matrix).
import type { z } from 'zod';
import type { Rng } from '../../rng.js';
import type { scheduleSchema } from '../schema.js';
import type { MixingMatrix, Topology } from '../../types.js';
import { fail } from '../check.js';
import { onePeerExponential } from './one-peer-exponential.js';
import { randomMatching } from './random-matching.js';
import { RANDOM_KINDS, resample } from './resample.js';
import { staticSchedule } from './static.js';
import { roundGraph, type MixingFor, type RoundGraph, type Schedule } from './types.js';

/** Derived from the config schema (src/topology/schema.ts), the one place schedule kinds are listed. */
export type ScheduleSpec = z.output<typeof scheduleSchema>;

export interface ScheduleContext {
  /** the run's topology (round 1's graph for static and resample) and its mixing matrix */
  readonly topology: Topology;
  readonly mixing: MixingMatrix;
  readonly topologyKind: string;
  readonly seed: number;
  readonly mixingFor: MixingFor;
  /** draws a fresh topology of the configured kind (resample) */
  readonly draw: (rng: Rng) => Topology;
}

export function createSchedule(spec: ScheduleSpec, ctx: ScheduleContext): Schedule {
  const n = ctx.topology.n;
  switch (spec.kind) {
    case 'static':
      return staticSchedule(roundGraph(ctx.topology, ctx.mixingFor, ctx.mixing));
    case 'random-matching':
      return randomMatching(n, ctx.seed, ctx.mixingFor);
    case 'one-peer-exponential':
      return onePeerExponential(n, ctx.mixingFor);
    case 'resample':
      if (!(RANDOM_KINDS as readonly string[]).includes(ctx.topologyKind)) {
        fail('schedule', `resample redraws a random topology, and ${ctx.topologyKind} is deterministic; use one of ${RANDOM_KINDS.join(' | ')}`);
      }
      return resample(spec.every, roundGraph(ctx.topology, ctx.mixingFor, ctx.mixing), ctx.seed, ctx.draw, ctx.mixingFor);
    default:
      return fail('schedule', `unknown schedule '${(spec as { kind: unknown }).kind}'`);
  }
}

export { exponentialHops } from './one-peer-exponential.js';
export { RANDOM_KINDS } from './resample.js';
export type { MixingFor, RoundGraph, Schedule } from './types.js';
