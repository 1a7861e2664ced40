// The engine's typed events. The run writer, the progress display and the viz server listen to
// these; the file types they become are in ./files.ts.
import type { ExperimentConfig } from '../config/schema.js';
import type { MixingMatrix, Partition, Topology } from '../types.js';
import type { PeerMetrics, RoundMetrics, SummaryFields } from './files.js';

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
  /** why the WebAssembly SIMD kernels do not run here (absent when they do) */
  simdUnavailable?: string;
  kernel: string;
  workers: number;
  evalPeers: number[];
  /** the attacking peers (ascending; empty without adversaries) */
  adversaries: number[];
  /** with data.clusters: each peer's cluster */
  cluster?: Int32Array;
}

/** The 'end' event; summary.json as written. */
export interface RunSummary extends SummaryFields {
  config: ExperimentConfig;
}

export interface EngineEvents extends Record<string, unknown> {
  setup: SetupEvent;
  round: RoundMetrics;
  peers: PeerMetrics;
  warning: string;
  end: RunSummary;
}
