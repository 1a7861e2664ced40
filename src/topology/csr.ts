// Building the CSR form every topology shares: rows sorted ascending, no duplicates,
// no self loops, undirected edges stored both ways. Generators push into an EdgeBuffer
// (flat Int32 pairs) so that large graphs never allocate one tuple per edge.
import { TopologyError } from '../errors.js';
import type { Topology } from '../types.js';

/** A growable list of (u, v) pairs kept in one Int32Array. */
export class EdgeBuffer {
  private data: Int32Array;
  private size = 0;

  constructor(capacity = 16) {
    this.data = new Int32Array(Math.max(2, capacity * 2));
  }

  get count(): number {
    return this.size;
  }

  push(u: number, v: number): void {
    if (2 * this.size + 2 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[2 * this.size] = u;
    this.data[2 * this.size + 1] = v;
    this.size++;
  }

  u(e: number): number {
    return this.data[2 * e];
  }

  v(e: number): number {
    return this.data[2 * e + 1];
  }
}

/** CSR from a buffer of edges; duplicates (and, if undirected, reversed copies) collapse into one. */
export function fromEdgeBuffer(n: number, edges: EdgeBuffer, directed: boolean): Topology {
  const m = edges.count;
  const counts = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    const u = edges.u(e);
    const v = edges.v(e);
    checkId(u, n, e);
    checkId(v, n, e);
    if (u === v) throw new TopologyError(`topology: self loop at peer ${u} (edge #${e}); peers never neighbour themselves`);
    counts[u + 1]++;
    if (!directed) counts[v + 1]++;
  }
  for (let i = 0; i < n; i++) counts[i + 1] += counts[i];
  const raw = new Int32Array(counts[n]);
  const fill = counts.slice(0, n);
  for (let e = 0; e < m; e++) {
    const u = edges.u(e);
    const v = edges.v(e);
    raw[fill[u]++] = v;
    if (!directed) raw[fill[v]++] = u;
  }
  // sort each row, then compact away repeats in one pass
  const offsets = new Int32Array(n + 1);
  let w = 0;
  for (let i = 0; i < n; i++) {
    const row = raw.subarray(counts[i], counts[i + 1]).sort();
    for (let p = 0; p < row.length; p++) {
      if (p === 0 || row[p] !== row[p - 1]) raw[w++] = row[p];
    }
    offsets[i + 1] = w;
  }
  return { n, directed, offsets, neighbors: raw.slice(0, w) };
}

/** CSR from any iterable of [u, v] pairs of 0-based peer ids. */
export function fromEdges(n: number, edges: Iterable<readonly [number, number]>, directed = false): Topology {
  if (!Number.isInteger(n) || n < 0) throw new TopologyError(`topology: the number of peers must be a non-negative integer (got ${n})`);
  const buf = new EdgeBuffer();
  for (const [u, v] of edges) {
    // check before the Int32 store would silently truncate 1.5 or wrap 2^32
    checkId(u, n, buf.count);
    checkId(v, n, buf.count);
    buf.push(u, v);
  }
  return fromEdgeBuffer(n, buf, directed);
}

function checkId(id: number, n: number, e: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= n) {
    throw new TopologyError(`topology: edge #${e} names peer ${id}, but peer ids run from 0 to ${n - 1}`);
  }
}

/** Position of the link from -> to among from's sorted neighbours in the CSR, or -1. */
export function linkIndex(t: Topology, from: number, to: number): number {
  let lo = t.offsets[from], hi = t.offsets[from + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = t.neighbors[mid];
    if (v === to) return mid;
    if (v < to) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Visits each edge once in the order run directories list them (topology.json): directed links
 * u -> v in CSR order; undirected edges once, as u < v. `k` is the CSR index of u -> v.
 */
export function forEachEdge(t: Topology, fn: (u: number, v: number, k: number) => void): void {
  for (let u = 0; u < t.n; u++) {
    for (let k = t.offsets[u]; k < t.offsets[u + 1]; k++) {
      const v = t.neighbors[k];
      if (!t.directed && v < u) continue;
      fn(u, v, k);
    }
  }
}

/** Bytes per listed edge (forEachEdge order) from bytes per CSR link; undirected edges sum both ways. */
export function edgeTotals(t: Topology, perLink: Float64Array): number[] {
  const out: number[] = [];
  forEachEdge(t, (u, v, k) => out.push(perLink[k] + (t.directed ? 0 : perLink[linkIndex(t, v, u)])));
  return out;
}
