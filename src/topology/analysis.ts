// Read-only questions about a topology: degrees, edge count, connected components,
// and the reverse (in-neighbour) CSR of a directed graph.
import type { Topology } from '../types.js';
import { linkIndex } from './csr.js';

/** Out-degree of every peer (the plain degree for undirected graphs). */
export function degrees(t: Topology): Int32Array {
  const d = new Int32Array(t.n);
  for (let i = 0; i < t.n; i++) d[i] = t.offsets[i + 1] - t.offsets[i];
  return d;
}

export function degree(t: Topology, i: number): number {
  return t.offsets[i + 1] - t.offsets[i];
}

export function maxDegree(t: Topology): number {
  let m = 0;
  for (let i = 0; i < t.n; i++) m = Math.max(m, t.offsets[i + 1] - t.offsets[i]);
  return m;
}

/** In-degree of every peer; equal to degrees(t) when undirected. */
export function inDegrees(t: Topology): Int32Array {
  if (!t.directed) return degrees(t);
  const d = new Int32Array(t.n);
  for (let p = 0; p < t.neighbors.length; p++) d[t.neighbors[p]]++;
  return d;
}

/** Number of edges, undirected edges counted once. */
export function edgeCount(t: Topology): number {
  return t.directed ? t.neighbors.length : t.neighbors.length / 2;
}

/** Whether j is an out-neighbour of i (binary search in the sorted row). */
export function hasEdge(t: Topology, i: number, j: number): boolean {
  return linkIndex(t, i, j) >= 0;
}

/** Reverse CSR: row i lists the peers that have i as an out-neighbour, ascending. */
export function inNeighbors(t: Topology): { offsets: Int32Array; neighbors: Int32Array } {
  if (!t.directed) return { offsets: t.offsets, neighbors: t.neighbors };
  const offsets = new Int32Array(t.n + 1);
  for (let p = 0; p < t.neighbors.length; p++) offsets[t.neighbors[p] + 1]++;
  for (let i = 0; i < t.n; i++) offsets[i + 1] += offsets[i];
  const fill = offsets.slice(0, t.n);
  const neighbors = new Int32Array(t.neighbors.length);
  // visiting sources in ascending order keeps every reversed row sorted
  for (let i = 0; i < t.n; i++) {
    for (let p = t.offsets[i]; p < t.offsets[i + 1]; p++) neighbors[fill[t.neighbors[p]]++] = i;
  }
  return { offsets, neighbors };
}

/** Sizes of the (weakly, for directed graphs) connected components, largest first. */
export function components(t: Topology): number[] {
  const parent = new Int32Array(t.n);
  for (let i = 0; i < t.n; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (let i = 0; i < t.n; i++) {
    for (let p = t.offsets[i]; p < t.offsets[i + 1]; p++) {
      const a = find(i);
      const b = find(t.neighbors[p]);
      if (a !== b) parent[a < b ? b : a] = a < b ? a : b;
    }
  }
  const size = new Map<number, number>();
  for (let i = 0; i < t.n; i++) {
    const r = find(i);
    size.set(r, (size.get(r) ?? 0) + 1);
  }
  return [...size.values()].sort((a, b) => b - a);
}

export function isConnected(t: Topology): boolean {
  return t.n <= 1 || components(t)[0] === t.n;
}
