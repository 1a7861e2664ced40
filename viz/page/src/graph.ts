// The peer graph for sigma: one graphology node per peer, keyed by its id, placed on a
// circle in id order with a small jitter hashed from the id, so every load of the same
// run starts (and, FA2 being deterministic, ends) in the same place.

import Graph from 'graphology';
import type { TopologyFile } from '@plexus/run-format';
import type { EdgeList } from './traffic.js';

export interface NodeAttributes {
  x: number;
  y: number;
  size: number;
  color: string;
  label: string;
  peer: number;
}

export interface EdgeAttributes {
  size: number;
  color: string;
  /** position in topology.json's edges; -1 for a plasticity link (links.ts) */
  index: number;
  /** plasticity links only: mixing weight and ends */
  strength?: number;
  from?: number;
  to?: number;
  type?: 'arrow' | 'line';
}

export type PeerGraph = Graph<NodeAttributes, EdgeAttributes>;

export interface BuiltGraph {
  graph: PeerGraph;
  nodeKeys: string[];
  edgeKeys: string[];
  edges: EdgeList;
  /** neighbour ids of each peer (in and out for directed graphs) */
  neighbours: Int32Array[];
  baseSize: Float32Array;
}

/** A uniform number in [0, 1) from an integer: the same peer always gets the same jitter. */
export function hash01(i: number, salt: number): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Node radius in screen pixels: smaller for bigger graphs, wider for better-connected peers. */
export function nodeSizes(degree: Int32Array): Float32Array {
  const n = degree.length;
  let maxDeg = 1;
  for (let i = 0; i < n; i++) maxDeg = Math.max(maxDeg, degree[i]);
  const r0 = Math.min(9, Math.max(2.6, 40 / Math.pow(Math.max(n, 1), 0.3)));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r0 * (0.55 + 0.45 * Math.sqrt(degree[i] / maxDeg));
  return out;
}

/** Whether topology.json names a plasticity rule, 'none' included: peers.jsonl then carries each round's in-links. */
export const hasWiring = (topo: Pick<TopologyFile, 'plasticity'>): boolean => typeof topo.plasticity === 'string';
/** Whether the links change with the rounds (a rule other than 'none'). */
export const isPlastic = (topo: Pick<TopologyFile, 'plasticity'>): boolean => hasWiring(topo) && topo.plasticity !== 'none';

/** With a plasticity rule, the graph is directed whatever the topology: its edges become the rounds' directed in-links. */
export function buildGraph(topo: Pick<TopologyFile, 'n' | 'directed' | 'edges' | 'plasticity'>): BuiltGraph {
  const n = topo.n;
  const type = topo.directed || hasWiring(topo) ? 'directed' : 'undirected';
  const graph: PeerGraph = new Graph({ type, multi: false, allowSelfLoops: false });
  const nodeKeys = Array.from({ length: n }, (_, i) => String(i));

  const src: number[] = [];
  const dst: number[] = [];
  const edgeKeys: string[] = [];
  const degree = new Int32Array(n); // out-degree when directed: how many links a peer sends on
  const links = new Int32Array(n); // in + out: how connected a peer looks
  const adjacency: number[][] = Array.from({ length: n }, () => []);
  const seen = new Set<number>();
  topo.edges.forEach(([u, v], index) => {
    if (u === v || u < 0 || v < 0 || u >= n || v >= n) return;
    const key = topo.directed ? u * n + v : Math.min(u, v) * n + Math.max(u, v);
    if (seen.has(key)) return;
    seen.add(key);
    src.push(u);
    dst.push(v);
    edgeKeys.push(`e${index}`);
    degree[u]++;
    if (!topo.directed) degree[v]++;
    links[u]++;
    links[v]++;
    adjacency[u].push(v);
    adjacency[v].push(u);
  });

  const baseSize = nodeSizes(links);
  const radius = Math.sqrt(n) * 10;
  for (let i = 0; i < n; i++) {
    const angle = (2 * Math.PI * i) / Math.max(n, 1) + (hash01(i, 1) - 0.5) * 0.3;
    const r = radius * (0.9 + 0.2 * hash01(i, 2));
    graph.addNode(nodeKeys[i], {
      x: r * Math.cos(angle),
      y: r * Math.sin(angle),
      size: baseSize[i],
      color: '#5b6478',
      label: `peer ${i}`,
      peer: i,
    });
  }
  for (let e = 0; e < src.length; e++) {
    graph.addEdgeWithKey(edgeKeys[e], nodeKeys[src[e]], nodeKeys[dst[e]], { size: 0.6, color: '#1c2433', index: e });
  }
  return {
    graph,
    nodeKeys,
    edgeKeys,
    edges: { n, directed: topo.directed, source: Int32Array.from(src), target: Int32Array.from(dst), degree },
    neighbours: adjacency.map((a) => Int32Array.from(new Set(a)).sort()),
    baseSize,
  };
}
