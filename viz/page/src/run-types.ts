// The run directory's files as the page reads them (docs/run-format.md).

export interface TopologyNode {
  id: number;
  degree: number;
  dataSize: number;
  labelCounts: number[];
}

export interface TopologyFile {
  n: number;
  directed: boolean;
  mixing?: unknown;
  spectralGap?: number | null;
  nodes: TopologyNode[];
  /** [u, v, weight]: undirected edges once with u < v, directed ones as u -> v */
  edges: [number, number, number?][];
}

export interface MetricsLine {
  round: number;
  consensusDistance: number;
  bytesSent: number;
  roundSeconds: number;
  meanAccuracy?: number;
  minAccuracy?: number;
  maxAccuracy?: number;
  meanLoss?: number;
  evaluatedPeers?: number;
}

export interface PeersLine {
  round: number;
  accuracy: (number | null)[];
  loss: (number | null)[];
  distance: number[];
  bytesSent: number[];
  online?: boolean[];
  adversarial?: boolean[];
  /** Optional: cumulative bytes sent over each topology edge, in topology.json order. */
  edgeBytes?: number[];
}

export interface RunInfo {
  name: string;
  finished: boolean;
}

export type Summary = Record<string, unknown> & { finalMeanAccuracy?: number; rounds?: number; wallSeconds?: number };
