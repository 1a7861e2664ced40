// The topology registry: TopologySpec -> CSR graph, plus the helpers other modules use.
import { isAbsolute, resolve } from 'node:path';
import type { Rng } from '../rng.js';
import type { Topology } from '../types.js';
import { barabasiAlbert } from './barabasi-albert.js';
import { fail } from './check.js';
import { complete } from './complete.js';
import { directedExponential } from './directed-exponential.js';
import { directedRing } from './directed-ring.js';
import { erdosRenyi } from './erdos-renyi.js';
import { dumbbell } from './dumbbell.js';
import { fileTopology } from './file.js';
import { maliciousRing } from './malicious-ring.js';
import { randomRegular } from './random-regular.js';
import { ring } from './ring.js';
import type { TopologyKind, TopologySpec, TopologySpecOf } from './spec.js';
import { star } from './star.js';
import { torus } from './torus.js';
import { wattsStrogatz } from './watts-strogatz.js';

export interface CreateTopologyOptions {
  /** Directory that a relative `file` path is resolved against (default: the working directory). */
  readonly baseDir?: string;
}

type Builder<K extends TopologyKind> = (spec: TopologySpecOf<K>, n: number, rng: Rng, opts: CreateTopologyOptions) => Topology;

const builders: { readonly [K in TopologyKind]: Builder<K> } = {
  complete: (_s, n) => complete(n),
  ring: (s, n) => ring(n, s.k),
  torus: (s, n) => {
    if (s.rows * s.cols !== n) fail('', `torus rows x cols must equal peers (${s.rows} x ${s.cols} = ${s.rows * s.cols}, peers = ${n})`);
    return torus(s.rows, s.cols);
  },
  'erdos-renyi': (s, n, rng) => erdosRenyi(n, s.p, rng),
  'watts-strogatz': (s, n, rng) => wattsStrogatz(n, s.k, s.beta, rng),
  'barabasi-albert': (s, n, rng) => barabasiAlbert(n, s.m, rng),
  'random-regular': (s, n, rng) => randomRegular(n, s.k, rng),
  star: (_s, n) => star(n),
  dumbbell: (_s, n) => dumbbell(n),
  'malicious-ring': (_s, n) => maliciousRing(n),
  file: (s, n, _rng, opts) => {
    const path = isAbsolute(s.path) ? s.path : resolve(opts.baseDir ?? process.cwd(), s.path);
    return fileTopology(path, n, { directed: s.directed ?? false });
  },
  'directed-ring': (_s, n) => directedRing(n),
  'directed-exponential': (_s, n) => directedExponential(n),
};

/** Builds the topology a spec describes over peers 0..n-1; random kinds draw only from `rng`. */
export function createTopology(spec: TopologySpec, n: number, rng: Rng, opts: CreateTopologyOptions = {}): Topology {
  const build = builders[spec.kind] as Builder<TopologyKind> | undefined;
  if (!build) fail('kind', `unknown topology kind '${(spec as { kind: unknown }).kind}'`);
  return build(spec, n, rng, opts);
}

export type { TopologyKind, TopologySpec, TopologySpecOf } from './spec.js';
export { EdgeBuffer, fromEdgeBuffer, fromEdges } from './csr.js';
export { components, degree, degrees, edgeCount, hasEdge, inDegrees, inNeighbors, isConnected, maxDegree } from './analysis.js';
export { toGraphology } from './graphology.js';
export { barabasiAlbert, complete, directedExponential, directedRing, dumbbell, erdosRenyi, fileTopology, maliciousRing, randomRegular, ring, star, torus, wattsStrogatz };
export { parseEdgeList, type FileTopologyOptions } from './file.js';
export { createMixing, type MixingRule } from './mixing/index.js';
export { consensusRate, spectralGap, type SpectralGap } from './spectral.js';
export { mixRows } from './mix-rows.js';
