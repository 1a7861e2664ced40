// Redraws the configured random topology every `every` rounds. Epoch 0 is the run's own
// topology; epoch e > 0 draws from the stream (seed, 'topology', 'resample', e), so each
// epoch's graph is fixed by the seed whatever else the run does.
import { z } from 'zod';
import { int } from '../../config/kinds.js';
import { createRng } from '../../rng.js';
import type { Topology } from '../../types.js';
import { fail } from '../check.js';
import { defineSchedule, roundGraph, type MixingFor, type RoundGraph, type Schedule } from './types.js';

export function resample(
  every: number,
  base: RoundGraph,
  seed: number,
  draw: (rng: ReturnType<typeof createRng>) => Topology,
  mixingFor: MixingFor,
): Schedule {
  if (!Number.isInteger(every) || every < 1) fail('schedule.every', `must be an integer >= 1 (got ${every})`);
  let epoch = 0;
  let current = base;
  return {
    kind: 'resample',
    timeVarying: true,
    at(round) {
      const e = Math.floor((round - 1) / every);
      if (e !== epoch) {
        epoch = e;
        current = e === 0 ? base : roundGraph(draw(createRng(seed, 'topology', 'resample', e)), mixingFor);
      }
      return current;
    },
  };
}

const deterministic = (kind: string) => `resample redraws a random topology, and ${kind} is deterministic`;

export const resampleKind = defineSchedule({
  kind: 'resample',
  schema: z.object({ kind: z.literal('resample'), every: int(1) }).strict(),
  summary: 'redraws the random topology every `every` rounds',
  timeVarying: true,
  graphCopies: 2,
  check: (_s, { topology: t, topologiesWhere }) => (t.random ? [] : [`topology.schedule: ${deterministic(t.kind)}; use topology.kind ${topologiesWhere((d) => d.random === true).join(' | ')}`]),
  create: (s, ctx) => {
    if (ctx.topologyRandom === false) fail('schedule', `${deterministic('the topology')}; use a random topology kind`);
    return resample(s.every, roundGraph(ctx.topology, ctx.mixingFor, ctx.mixing), ctx.seed, ctx.draw, ctx.mixingFor);
  },
});
