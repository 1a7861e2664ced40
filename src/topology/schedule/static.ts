// The default: one graph for the whole run.
import { z } from 'zod';
import { defineSchedule, roundGraph, type RoundGraph, type Schedule } from './types.js';

export function staticSchedule(graph: RoundGraph): Schedule {
  return { kind: 'static', timeVarying: false, at: () => graph };
}

export const staticKind = defineSchedule({
  kind: 'static',
  schema: z.object({ kind: z.literal('static') }).strict(),
  summary: 'one graph for the whole run',
  timeVarying: false,
  create: (_s, ctx) => staticSchedule(roundGraph(ctx.topology, ctx.mixingFor, ctx.mixing)),
});
