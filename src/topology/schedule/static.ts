// The default: one graph for the whole run.
import type { RoundGraph, Schedule } from './types.js';

export function staticSchedule(graph: RoundGraph): Schedule {
  return { kind: 'static', timeVarying: false, at: () => graph };
}
