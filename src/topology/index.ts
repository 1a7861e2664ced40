// The topology registry: the list of topology modules. Their schemas make the config's
// `topology` union; a topology is one file (generator + descriptor) plus one line here.
import type { z } from 'zod';
import { unionOfKinds } from '../config/kinds.js';
import { KindRegistry } from '../config/registry.js';
import type { Rng } from '../rng.js';
import type { Topology } from '../types.js';
import { barabasiAlbert, barabasiAlbertTopology } from './barabasi-albert.js';
import { fail } from './check.js';
import { complete, completeTopology } from './complete.js';
import type { CreateTopologyOptions, TopologyDescriptor } from './descriptor.js';
import { directedExponential, directedExponentialTopology } from './directed-exponential.js';
import { directedRing, directedRingTopology } from './directed-ring.js';
import { dumbbell, dumbbellTopology } from './dumbbell.js';
import { erdosRenyi, erdosRenyiTopology } from './erdos-renyi.js';
import { fileTopology, fileTopologyKind } from './file.js';
import { maliciousRing, maliciousRingTopology } from './malicious-ring.js';
import { randomRegular, randomRegularTopology } from './random-regular.js';
import { ring, ringTopology } from './ring.js';
import { star, starTopology } from './star.js';
import { torus, torusTopology } from './torus.js';
import { wattsStrogatz, wattsStrogatzTopology } from './watts-strogatz.js';

export const topologies = [
  completeTopology, ringTopology, torusTopology, erdosRenyiTopology, wattsStrogatzTopology, barabasiAlbertTopology,
  randomRegularTopology, starTopology, dumbbellTopology, maliciousRingTopology, fileTopologyKind, directedRingTopology,
  directedExponentialTopology,
] as const;

const builtInSchema = unionOfKinds(topologies);
/** The built-ins and the topologies plug-ins add. */
export const topologyRegistry = new KindRegistry<TopologyDescriptor>('topology', 'topologies', topologies as unknown as readonly TopologyDescriptor[]);
export const topologySchema = topologyRegistry.lazySchema<typeof builtInSchema>();

export type TopologySpec = z.output<typeof builtInSchema>;
export type TopologyKind = TopologySpec['kind'];
/** The spec of one kind, e.g. TopologySpecOf<'ring'> = { kind: 'ring'; k: number }. */
export type TopologySpecOf<K extends TopologyKind> = Extract<TopologySpec, { kind: K }>;

/** The topology of a config that names none: a ring, each peer with one neighbour on each side. */
export const DEFAULT_TOPOLOGY: TopologySpec = { kind: ringTopology.kind, k: 1 };

export function topologyOf(kind: string): TopologyDescriptor {
  return topologyRegistry.get(kind);
}

/** Builds the topology a spec describes over peers 0..n-1; random kinds draw only from `rng`. */
export function createTopology(spec: TopologySpec, n: number, rng: Rng, opts: CreateTopologyOptions = {}): Topology {
  const kind = (spec as { kind: unknown }).kind;
  if (typeof kind !== 'string' || !topologyRegistry.has(kind)) fail('kind', `unknown topology kind '${String(kind)}'`);
  return topologyOf(kind).build(spec as never, n, rng, opts);
}

/** A topology spec (parsed, or raw config input) with its relative file paths made absolute against `baseDir`. */
export function withTopologyBaseDir<T>(spec: T, baseDir: string): T {
  const kind = spec && typeof spec === 'object' ? (spec as { kind?: unknown }).kind : undefined;
  if (typeof kind !== 'string' || !topologyRegistry.has(kind)) return spec;
  const d = topologyOf(kind);
  return d.withBaseDir ? (d.withBaseDir(spec as Record<string, unknown>, baseDir) as T) : spec;
}

export { defineTopology, isDirected, type CreateTopologyOptions, type TopologyDescriptor } from './descriptor.js';
export { EdgeBuffer, fromEdgeBuffer, fromEdges } from './csr.js';
export { components, degree, degrees, edgeCount, hasEdge, inDegrees, inNeighbors, isConnected, maxDegree } from './analysis.js';
export { toGraphology } from './graphology.js';
export { barabasiAlbert, complete, directedExponential, directedRing, dumbbell, erdosRenyi, fileTopology, maliciousRing, randomRegular, ring, star, torus, wattsStrogatz };
export { parseEdgeList, type FileTopologyOptions } from './file.js';
export { createMixing, type MixingRule } from './mixing/index.js';
export { consensusRate, spectralGap, type SpectralGap } from './spectral.js';
export { mixRows } from './mix-rows.js';
