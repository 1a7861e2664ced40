// The schedule registry: topology.schedule -> a function round -> (graph, mixing matrix). Each
// schedule is one module with its descriptor; this list is the only place that names them.
import type { z } from 'zod';
import { unionOfKinds } from '../../config/kinds.js';
import { KindRegistry } from '../../config/registry.js';
import { onePeerExponentialKind } from './one-peer-exponential.js';
import { randomMatchingKind } from './random-matching.js';
import { resampleKind } from './resample.js';
import { staticKind } from './static.js';
import type { Schedule, ScheduleContext, ScheduleDescriptor } from './types.js';

export const schedules = [staticKind, randomMatchingKind, onePeerExponentialKind, resampleKind] as const;

const builtInSchema = unionOfKinds(schedules);
export const scheduleRegistry = new KindRegistry<ScheduleDescriptor>('topology.schedule', 'schedules', schedules as readonly ScheduleDescriptor[]);
/** How the graph changes over rounds. */
export const scheduleSchema = scheduleRegistry.lazySchema<typeof builtInSchema>();
/** absent means the default schedule (one graph for the run), so configs without one resolve as before */
export const scheduleField = { schedule: scheduleSchema.optional() };

export type ScheduleSpec = z.output<typeof builtInSchema>;

/** The schedule a topology runs under when its config names none. */
export const DEFAULT_SCHEDULE: ScheduleSpec = { kind: staticKind.kind };

export function scheduleOf(spec: { kind: string } | undefined): ScheduleDescriptor {
  return scheduleRegistry.get((spec ?? DEFAULT_SCHEDULE).kind);
}

/** The schedules that keep one graph for the run ("a | b"), for messages. */
export function fixedSchedules(): string {
  return scheduleRegistry.list().filter((s) => !s.timeVarying).map((s) => s.kind).join(' | ');
}

export function createSchedule(spec: ScheduleSpec, ctx: ScheduleContext): Schedule {
  return scheduleOf(spec).create(spec as never, ctx);
}

export { exponentialHops } from './one-peer-exponential.js';
export { defineSchedule, type MixingFor, type RoundGraph, type Schedule, type ScheduleContext, type ScheduleDescriptor } from './types.js';
