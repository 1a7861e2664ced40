// The run directory's files (docs/run-format.md): their names and the type of every file and
// line in them. Imports nothing, so the writer, the viz server and the page share this declaration.

/** The files of a run directory. A reader opens these and nothing else. */
export const RUN_FILES = {
  config: 'config.resolved.json',
  topology: 'topology.json',
  metrics: 'metrics.jsonl',
  peers: 'peers.jsonl',
  summary: 'summary.json',
  /** binary; the state to resume from (src/checkpoint/), with --checkpoint-every, --save-final or after Ctrl-C */
  checkpoint: 'checkpoint.bin',
} as const;

export type RunFileKey = keyof typeof RUN_FILES;

/**
 * Not a run file: held by the one command writing a directory (run, resume, sweep, report) while it
 * does, and removed when it ends. Readers and emptiness checks ignore it (src/cli/run-lock.ts).
 */
export const RUN_LOCK_FILE = '.plexus.lock';

/** What the writer's JSON makes of T: non-finite numbers (NaN, ±Infinity) are written as null. */
export type Written<T> = T extends number ? number | null : T extends object ? { [K in keyof T]: Written<T[K]> } : T;

/** The network after one round: the 'round' event, and one line of metrics.jsonl. With adversaries, every accuracy and consensus field is over the honest peers only. */
export interface RoundMetrics {
  round: number;
  /** mean squared distance of the peers' parameters to their average */
  consensusDistance: number;
  /** bytes sent in this round */
  bytesSent: number;
  roundSeconds: number;
  /** evaluation rounds only */
  meanAccuracy?: number;
  minAccuracy?: number;
  maxAccuracy?: number;
  meanLoss?: number;
  evaluatedPeers?: number;
  /** evaluation rounds with eval.averageModel only: test accuracy of the average model (the mean of the peers' rows) */
  averageModelAccuracy?: number;
  /** evaluation rounds with eval.averageModel only: the average model's mean test loss */
  averageModelLoss?: number;
  /** async mode only: the virtual clock (= round), cumulative message counts, peers online now */
  virtualTime?: number;
  messagesSent?: number;
  messagesDropped?: number;
  messagesDelivered?: number;
  peersOnline?: number;
  /**
   * live runs after a process was lost only (peersOnline too: the peers of the processes that
   * reported the round): the processes that did, and the peers that mixed over fewer neighbours than W gives them
   */
  processesOnline?: number;
  renormalisedPeers?: number;
  /** with plasticity only (evaluation rounds): the share of in-link strength that comes from the peer's own cluster, averaged over peers (needs data.clusters) */
  clusterPurity?: number;
  /** with plasticity only (evaluation rounds): mean number of active in-links per peer (self excluded) */
  meanInDegree?: number;
  /** with plasticity only (evaluation rounds): links grown and pruned since the start, cumulative */
  linksGrown?: number;
  linksPruned?: number;
  /** with privacy.dp only (evaluation rounds): the largest (epsilon, privacy.dp.delta)-DP guarantee over peers so far, from the RDP accountant */
  epsilon?: number;
  /** with eval.privacy only (evaluation rounds): the loss-threshold membership attack's AUC against the evaluated peers' models, mean and max over them (0.5 = no leak) */
  miaAuc?: number;
  miaAucMax?: number;
}

/** Every peer on an evaluation round: the 'peers' event, and one line of peers.jsonl. Arrays are indexed by peer id. */
export interface PeerMetrics {
  round: number;
  /** null where the peer was not evaluated */
  accuracy: (number | null)[];
  loss: (number | null)[];
  /** squared distance of the peer's parameters to the network average */
  distance: number[];
  /** cumulative bytes the peer has sent */
  bytesSent: number[];
  /** cumulative bytes per edge in topology.json order, where links carry different traffic (async gossip) */
  edgeBytes?: number[];
  /** async mode, and live runs after a process was lost: online now; async only: wake-ups so far (the peer's own clock ticks) and messages sent */
  online?: boolean[];
  wakeups?: number[];
  messagesSent?: number[];
  /** peers that attack the others, where the run has attackers */
  adversarial?: boolean[];
  /** with data.clusters only: each peer's cluster (0-based) */
  cluster?: number[];
  /** with plasticity only: each peer's active in-links now, as [from, strength] with strengths normalised to the mixing row (self excluded) */
  inLinks?: [from: number, strength: number][][];
  /** with privacy.dp only: each peer's epsilon so far (its own steps and sampling rate) */
  epsilon?: number[];
  /** with eval.privacy only: the membership attack's AUC against each peer's model; null where the peer was not evaluated */
  miaAuc?: (number | null)[];
}

/** The end of a run, apart from its config: summary.json less `config`. */
export interface SummaryFields {
  finalMeanAccuracy: number;
  finalMinAccuracy: number;
  finalMaxAccuracy: number;
  finalMeanLoss: number;
  finalConsensusDistance: number;
  /** with eval.averageModel only: the last evaluation round's averageModelAccuracy and averageModelLoss */
  finalAverageModelAccuracy?: number;
  finalAverageModelLoss?: number;
  rounds: number;
  peerSteps: number;
  wallSeconds: number;
  trainSeconds: number;
  evalSeconds: number;
  setupSeconds: number;
  peerStepsPerSecond: number;
  msPerRound: number;
  bytesSent: number;
  backend: string;
  /** why the WebAssembly SIMD kernels did not run (absent when they did) */
  simdUnavailable?: string;
  kernel: string;
  workers: number;
  params: number;
  spectralGap: number;
  slem: number;
  aborted: boolean;
  /** with adversaries only: their peer ids (the final figures above are over the other, honest, peers) */
  adversaries?: number[];
  /** with privacy.dp only: the final epsilon (largest over peers) for delta = privacy.dp.delta */
  finalEpsilon?: number;
  /** with eval.privacy only: the last evaluation round's miaAuc and miaAucMax */
  finalMiaAuc?: number;
  finalMiaAucMax?: number;
  /** async mode only: the final counters */
  virtualTime?: number;
  messagesSent?: number;
  messagesDropped?: number;
  messagesDelivered?: number;
  /** live runs only (plexus live): the processes and the wall-clock figures of their links */
  live?: LiveSummary;
}

/** summary.json's `live`: how a live run was spread over processes, and what went over each link (all wall-clock but the counters). */
export interface LiveSummary {
  processes: number;
  /** 'libp2p', 'tcp' or 'memory' */
  transport: string;
  /** the peers [a, b) each process hosted */
  slices: [number, number][];
  /** wall seconds of each process's rounds (first to last) */
  roundsSeconds: number[];
  /** one per ordered pair of members (the observer is member `processes`), as the sending process counted */
  links: LiveLink[];
  /** processes lost during the run and the round the observer was measuring when it heard (absent: none) */
  lost?: { process: number; round: number }[];
  /** lost processes started again (`plexus node --rejoin`) and the round they took part from */
  rejoined?: { process: number; round: number }[];
}

export interface LiveLink {
  from: number;
  to: number;
  bytesSent: number;
  framesSent: number;
  bytesReceived: number;
  framesReceived: number;
  /** median round trip of a few small frames after the last round, milliseconds (null: not measured) */
  rttMs: number | null;
  /** bytesSent over the sender's roundsSeconds */
  bytesPerSecond: number;
}

export interface TopologyNode {
  id: number;
  /** out-degree when directed */
  degree: number;
  /** training examples the peer holds */
  dataSize: number;
  /** training examples per class */
  labelCounts: number[];
  /** with data.clusters only: the peer's cluster (0-based), whose transform its data gets */
  cluster?: number;
}

/** [u, v, weight]: undirected edges once with u < v, directed ones as u -> v (weight: what v takes from u's row) */
export type TopologyEdge = [u: number, v: number, weight?: number | null];

/** topology.json: the graph, its mixing weights and each peer's data, written before the first round. */
export interface TopologyFile {
  n: number;
  directed: boolean;
  mixing: string;
  /** null where it does not describe the run (a time-varying schedule) */
  spectralGap: number | null;
  slem: number | null;
  /** sizes of the connected components */
  components: number[];
  /** the peers evaluated on evaluation rounds */
  evalPeers: number[];
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  /** with data.clusters only: how many clusters and the transform that tells them apart */
  clusters?: { count: number; transform: string };
  /** with plasticity only: the rule, so a reader knows the edges above are only the starting graph (peers.jsonl inLinks has the current ones) */
  plasticity?: string;
}

/** A line as written; its round is always a whole number. */
type WrittenLine<T extends { round: number }> = Written<Omit<T, 'round'>> & { round: number };
/** metrics.jsonl, one line */
export type MetricsLine = WrittenLine<RoundMetrics>;
/** peers.jsonl, one line */
export type PeersLine = WrittenLine<PeerMetrics>;
/** summary.json; its presence means the run finished */
export type SummaryFile = Written<SummaryFields> & { config: Record<string, unknown> };

/** What the viz server says about the run it serves (/api/run). */
export interface RunInfo {
  name: string;
  finished: boolean;
}
