// The links of one round in a run with plasticity (peers.jsonl `inLinks`): read from an
// untrusted line, then kept as flat arrays. The graph's edges follow them by a diff that
// costs O(links) per round change, and the layout gets them as ForceAtlas2 matrices.

/** At most this many in-links are read per peer (a degree budget is a handful); the rest of a longer list is ignored. */
export const MAX_IN_LINKS_PER_PEER = 32;

/** One round's directed links, sorted by target then in the line's order: source -> target with the target's mixing weight. */
export interface FrameLinks {
  source: Int32Array;
  target: Int32Array;
  strength: Float32Array;
}

/**
 * `inLinks` of a peers.jsonl line, or null when it has none. A malformed entry is skipped, never
 * thrown on: a peer whose list is not an array has no links, a link that is not
 * [peer below n other than the target, finite strength >= 0] is dropped, and so is a repeated source.
 */
export function readInLinks(value: unknown, n: number): FrameLinks | null {
  if (!Array.isArray(value)) return null;
  const src: number[] = [];
  const dst: number[] = [];
  const str: number[] = [];
  const seen = new Set<number>();
  const peers = Math.min(n, value.length);
  for (let to = 0; to < peers; to++) {
    const list: unknown = value[to];
    if (!Array.isArray(list)) continue;
    seen.clear();
    for (let k = 0; k < list.length && seen.size < MAX_IN_LINKS_PER_PEER; k++) {
      const link: unknown = list[k];
      if (!Array.isArray(link) || link.length < 2) continue;
      const from: unknown = link[0];
      const s: unknown = link[1];
      if (!Number.isSafeInteger(from) || (from as number) < 0 || (from as number) >= n || from === to) continue;
      if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) continue;
      if (seen.has(from as number)) continue;
      seen.add(from as number);
      src.push(from as number);
      dst.push(to);
      str.push(Math.min(1, s));
    }
  }
  return { source: Int32Array.from(src), target: Int32Array.from(dst), strength: Float32Array.from(str) };
}

/** Peers each peer hears from (in-links) in this round, by target. */
export function inNeighbours(links: FrameLinks, peer: number): { from: number; strength: number }[] {
  const out: { from: number; strength: number }[] = [];
  // sorted by target: binary search for the first link into `peer`
  let lo = 0;
  let hi = links.target.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (links.target[mid] < peer) lo = mid + 1;
    else hi = mid;
  }
  for (let e = lo; e < links.target.length && links.target[e] === peer; e++) out.push({ from: links.source[e], strength: links.strength[e] });
  return out;
}

/** The minimal graph surface the diff needs (graphology's methods of the same names). */
export interface LinkGraph {
  readonly type: string;
  hasEdge(key: string): boolean;
  addEdgeWithKey(key: string, source: string, target: string, attributes: LinkEdgeAttributes): unknown;
  dropEdge(key: string): void;
  clearEdges(): void;
  setEdgeAttribute(key: string, name: 'strength', value: number): void;
}

/**
 * Past this many dropped edges, the graph's edges are cleared and the round's added afresh:
 * sigma re-indexes the whole graph on every single edge dropped (O(edges) each), but only once
 * for a clear, and adding an edge costs it O(1).
 */
export const MAX_SINGLE_DROPS = 8;

export interface LinkEdgeAttributes {
  size: number;
  color: string;
  /** -1: a plasticity link, styled by strength rather than by traffic */
  index: number;
  strength: number;
  from: number;
  to: number;
  type: 'arrow' | 'line';
}

/**
 * Keeps a graph's edges equal to the current round's links. Directed graphs get one edge per
 * link; an undirected graph (a run whose topology did not announce plasticity) gets one per
 * linked pair, with the stronger of the two directions.
 */
export class LinkSync {
  private readonly graph: LinkGraph;
  private readonly nodeKeys: readonly string[];
  /** edge key -> strength, for the edges this object put in the graph */
  private current = new Map<string, number>();
  /** the links last applied (a frame's arrays are immutable, so identity is enough) */
  private applied: FrameLinks | null = null;
  private cleared = false;

  constructor(graph: LinkGraph, nodeKeys: readonly string[]) {
    this.graph = graph;
    this.nodeKeys = nodeKeys;
  }

  get edgeCount(): number {
    return this.current.size;
  }

  /** Makes the graph hold exactly `links`; returns whether anything changed. O(links + previous links). */
  apply(links: FrameLinks): boolean {
    if (links === this.applied) return false;
    this.applied = links;
    const g = this.graph;
    if (!this.cleared) {
      // the starting graph from topology.json gives way to the links of the round
      g.clearEdges();
      this.cleared = true;
    }
    const directed = g.type !== 'undirected';
    const next = new Map<string, number>();
    const ends = new Map<string, [number, number]>();
    for (let e = 0; e < links.source.length; e++) {
      const s = links.source[e];
      const t = links.target[e];
      const key = directed ? `l${s}>${t}` : `l${Math.min(s, t)}-${Math.max(s, t)}`;
      const strength = links.strength[e];
      const had = next.get(key);
      if (had === undefined || strength > had) next.set(key, strength);
      if (had === undefined) ends.set(key, [s, t]);
    }
    let changed = false;
    const drops: string[] = [];
    for (const key of this.current.keys()) if (!next.has(key)) drops.push(key);
    if (drops.length > MAX_SINGLE_DROPS) {
      g.clearEdges();
      this.current.clear();
    } else for (const key of drops) g.dropEdge(key);
    if (drops.length) changed = true;
    for (const [key, strength] of next) {
      const before = this.current.get(key);
      if (before === undefined) {
        const [s, t] = ends.get(key)!;
        g.addEdgeWithKey(key, this.nodeKeys[s], this.nodeKeys[t], {
          size: 1,
          color: '#000',
          index: -1,
          strength,
          from: s,
          to: t,
          type: directed ? 'arrow' : 'line',
        });
        changed = true;
      } else if (before !== strength) {
        g.setEdgeAttribute(key, 'strength', strength);
        changed = true;
      }
    }
    this.current = next;
    return changed;
  }
}

/**
 * ForceAtlas2's edge matrix (node offsets of `ppn` floats, as graphology-layout-forceatlas2 stores
 * them; unit weights) and node masses (1 + links in and out) for one round's links, in the frame's
 * own order, so the layout depends on the links and never on the graph's edit history.
 */
export function linkMatrices(links: FrameLinks, n: number, ppn: number, ppe: number): { edges: Float32Array; mass: Float32Array } {
  const m = links.source.length;
  const edges = new Float32Array(m * ppe);
  const mass = new Float32Array(n).fill(1);
  for (let e = 0; e < m; e++) {
    edges[e * ppe] = links.source[e] * ppn;
    edges[e * ppe + 1] = links.target[e] * ppn;
    edges[e * ppe + 2] = 1;
    mass[links.source[e]]++;
    mass[links.target[e]]++;
  }
  return { edges, mass };
}
