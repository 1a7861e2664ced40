// The declarative description of a topology: what a resolved config holds and what
// createTopology turns into a CSR graph. Derived from the config schema (src/topology/schema.ts),
// the one place topology kinds are listed. Peer count and randomness come separately.
import type { z } from 'zod';
import type { topologySchema } from './schema.js';

export type TopologySpec = z.output<typeof topologySchema>;

export type TopologyKind = TopologySpec['kind'];

/** The spec of one kind, e.g. TopologySpecOf<'ring'> = { kind: 'ring'; k: number }. */
export type TopologySpecOf<K extends TopologyKind> = Extract<TopologySpec, { kind: K }>;
