// Bridge to graphology for layout and viz: nodes are '0'..'n-1', undirected edges added once.
import { DirectedGraph, UndirectedGraph } from 'graphology';
import type { Topology } from '../types.js';

export function toGraphology(t: Topology): DirectedGraph | UndirectedGraph {
  const g = t.directed ? new DirectedGraph() : new UndirectedGraph();
  for (let i = 0; i < t.n; i++) g.addNode(String(i));
  for (let i = 0; i < t.n; i++) {
    for (let p = t.offsets[i]; p < t.offsets[i + 1]; p++) {
      const j = t.neighbors[p];
      if (t.directed || i < j) g.addEdge(String(i), String(j));
    }
  }
  return g;
}
