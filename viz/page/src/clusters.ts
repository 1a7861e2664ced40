// Peers' data clusters (data.clusters): read from topology.json, checked like any untrusted
// field, and counted for the legend. A round's peers.jsonl `cluster` overrides them when present.

import type { TopologyFile } from '@plexus/run-format';

export const MAX_CLUSTERS = 10_000;

export interface ClusterInfo {
  /** each peer's cluster from topology.json, -1 where it gave none */
  of: Int32Array;
  /** clusters announced (topology.json `clusters.count`), at least one more than the largest id seen */
  count: number;
  transform: string | null;
}

const isClusterId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < MAX_CLUSTERS;

/** The run's clusters, or null when topology.json describes none. */
export function readClusters(topo: Pick<TopologyFile, 'n' | 'nodes' | 'clusters'>): ClusterInfo | null {
  const of = new Int32Array(topo.n).fill(-1);
  let any = false;
  let count = 0;
  for (let i = 0; i < topo.n; i++) {
    const c: unknown = topo.nodes[i]?.cluster;
    if (!isClusterId(c)) continue;
    of[i] = c;
    any = true;
    count = Math.max(count, c + 1);
  }
  const declared: unknown = (topo.clusters as { count?: unknown } | undefined)?.count;
  if (isClusterId(declared)) count = Math.max(count, declared);
  const transform: unknown = (topo.clusters as { transform?: unknown } | undefined)?.transform;
  if (!any && count === 0) return null;
  return { of, count, transform: typeof transform === 'string' ? transform.slice(0, 64) : null };
}

/** Peers per cluster, for ids in [0, count) (and beyond, growing the list). */
export function clusterCounts(ids: Int32Array, count: number): number[] {
  const out = new Array<number>(count).fill(0);
  for (const c of ids) {
    if (c < 0) continue;
    while (out.length <= c) out.push(0);
    out[c]++;
  }
  return out;
}
