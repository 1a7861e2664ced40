// Traffic over each edge between two evaluation rounds, in bytes per round. Exact when
// peers.jsonl carries `edgeBytes`; otherwise estimated from each peer's bytesSent,
// spread evenly over its links (exact for protocols that talk to every neighbour).

import type { PeerFrame } from './store.js';

export interface EdgeList {
  n: number;
  directed: boolean;
  source: Int32Array;
  target: Int32Array;
  /** out-degree for directed graphs, degree otherwise */
  degree: Int32Array;
}

export interface TrafficResult {
  /** bytes per round over each edge */
  perEdge: Float32Array;
  exact: boolean;
  max: number;
}

export function edgeTraffic(edges: EdgeList, frame: PeerFrame, prev: PeerFrame | null): TrafficResult {
  const m = edges.source.length;
  const perEdge = new Float32Array(m);
  const span = prev ? Math.max(1, frame.round - prev.round) : Math.max(1, frame.round);
  let max = 0;
  if (frame.edgeBytes && frame.edgeBytes.length === m && (!prev || prev.edgeBytes?.length === m)) {
    for (let e = 0; e < m; e++) {
      const v = (frame.edgeBytes[e] - (prev ? prev.edgeBytes![e] : 0)) / span;
      perEdge[e] = v > 0 ? v : 0;
      if (perEdge[e] > max) max = perEdge[e];
    }
    return { perEdge, exact: true, max };
  }
  const n = edges.n;
  const rate = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = frame.bytesSent[i] - (prev ? prev.bytesSent[i] : 0);
    rate[i] = d > 0 && edges.degree[i] > 0 ? d / span / edges.degree[i] : 0;
  }
  for (let e = 0; e < m; e++) {
    const v = edges.directed ? rate[edges.source[e]] : rate[edges.source[e]] + rate[edges.target[e]];
    perEdge[e] = v;
    if (v > max) max = v;
  }
  return { perEdge, exact: false, max };
}
