// The engine's typed events. Metrics writers, the progress display and the viz server listen to these.
import type { ExperimentConfig } from '../config/schema.js';
import type { MixingMatrix, Partition, Topology } from '../types.js';

export interface SetupEvent {
  config: ExperimentConfig;
  topology: Topology;
  mixing: MixingMatrix;
  spectralGap: number;
  slem: number;
  spectralExact: boolean;
  components: number[];
  partition: Partition;
  /** peers x classes label counts */
  labelCounts: Int32Array;
  classes: number;
  params: number;
  backend: string;
  kernel: string;
  workers: number;
  evalPeers: number[];
}

export interface RoundMetrics {
  round: number;
  consensusDistance: number;
  bytesSent: number;
  roundSeconds: number;
  meanAccuracy?: number;
  minAccuracy?: number;
  maxAccuracy?: number;
  meanLoss?: number;
  evaluatedPeers?: number;
  /** async mode only: the virtual clock (= round), cumulative message counts, peers online now */
  virtualTime?: number;
  messagesSent?: number;
  messagesDropped?: number;
  messagesDelivered?: number;
  peersOnline?: number;
}

export interface PeerMetrics {
  round: number;
  accuracy: (number | null)[];
  loss: (number | null)[];
  distance: number[];
  bytesSent: number[];
  /** cumulative bytes per edge in topology.json order, where links carry different traffic (async gossip) */
  edgeBytes?: number[];
  /** async mode only: online now, wake-ups so far (the peer's own clock ticks) and messages sent */
  online?: boolean[];
  wakeups?: number[];
  messagesSent?: number[];
}

export interface RunSummary {
  config: ExperimentConfig;
  finalMeanAccuracy: number;
  finalMinAccuracy: number;
  finalMaxAccuracy: number;
  finalMeanLoss: number;
  finalConsensusDistance: number;
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
  kernel: string;
  workers: number;
  params: number;
  spectralGap: number;
  slem: number;
  aborted: boolean;
  /** async mode only: the final counters */
  virtualTime?: number;
  messagesSent?: number;
  messagesDropped?: number;
  messagesDelivered?: number;
}

export interface EngineEvents extends Record<string, unknown> {
  setup: SetupEvent;
  round: RoundMetrics;
  peers: PeerMetrics;
  warning: string;
  end: RunSummary;
}
