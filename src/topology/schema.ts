// The config schema of topologies and their schedules: the one list of topology kinds; the
// TypeScript types in spec.ts are derived from it.
import { z } from 'zod';
import { int, prob, taggedUnion } from '../config/kinds.js';

/** How the graph changes over rounds; see src/topology/schedule/. */
export const scheduleSchema = taggedUnion(
  [
    z.object({ kind: z.literal('static') }).strict(),
    z.object({ kind: z.literal('random-matching') }).strict(),
    z.object({ kind: z.literal('one-peer-exponential') }).strict(),
    z.object({ kind: z.literal('resample'), every: int(1) }).strict(),
  ],
  { named: true },
);

/** absent means static, so configs without a schedule resolve exactly as before */
const schedule = { schedule: scheduleSchema.optional() };

export const topologySchema = taggedUnion([
  z.object({ kind: z.literal('complete'), ...schedule }).strict(),
  z.object({ kind: z.literal('ring'), k: int(1).default(1), ...schedule }).strict(),
  z.object({ kind: z.literal('torus'), rows: int(1), cols: int(1), ...schedule }).strict(),
  z.object({ kind: z.literal('erdos-renyi'), p: prob, ...schedule }).strict(),
  z.object({ kind: z.literal('watts-strogatz'), k: int(1), beta: prob, ...schedule }).strict(),
  z.object({ kind: z.literal('barabasi-albert'), m: int(1), ...schedule }).strict(),
  z.object({ kind: z.literal('random-regular'), k: int(0), ...schedule }).strict(),
  z.object({ kind: z.literal('star'), ...schedule }).strict(),
  z.object({ kind: z.literal('dumbbell'), ...schedule }).strict(),
  z.object({ kind: z.literal('malicious-ring'), ...schedule }).strict(),
  z.object({ kind: z.literal('file'), path: z.string().min(1), directed: z.boolean().default(false), ...schedule }).strict(),
  z.object({ kind: z.literal('directed-ring'), ...schedule }).strict(),
  z.object({ kind: z.literal('directed-exponential'), ...schedule }).strict(),
]);

