// Redraws the configured random topology every `every` rounds. Epoch 0 is the run's own
// topology; epoch e > 0 draws from the stream (seed, 'topology', 'resample', e), so each
// epoch's graph is fixed by the seed whatever else the run does.
import { createRng } from '../../rng.js';
import type { Topology } from '../../types.js';
import { fail } from '../check.js';
import { roundGraph, type MixingFor, type RoundGraph, type Schedule } from './types.js';

export const RANDOM_KINDS = ['erdos-renyi', 'watts-strogatz', 'barabasi-albert'] as const;

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
