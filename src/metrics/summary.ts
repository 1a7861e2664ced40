// The end-of-run summary (summary.json): final figures from the last evaluated round, timings
// and throughput, and the async counters where the run had them.
import type { RoundMetrics, RunSummary } from '../engine/events.js';
import type { ExperimentConfig } from '../config/schema.js';

export interface SummaryInputs {
  config: ExperimentConfig;
  last?: RoundMetrics;
  lastEval?: RoundMetrics;
  rounds: number;
  peerSteps: number;
  wallMs: number;
  trainMs: number;
  evalMs: number;
  setupMs: number;
  bytesSent: number;
  backend: string;
  kernel: string;
  workers: number;
  params: number;
  spectral: { gap: number; slem: number };
  aborted: boolean;
  simdUnavailable?: string;
  /** adversarial peer ids (empty without adversaries) */
  adversaries?: number[];
  /** async mode only */
  counters?: { virtualTime: number; messagesSent: number; messagesDropped: number; messagesDelivered: number };
}

export function buildSummary(s: SummaryInputs): RunSummary {
  const summary: RunSummary = {
    config: s.config,
    finalMeanAccuracy: s.lastEval?.meanAccuracy ?? NaN,
    finalMinAccuracy: s.lastEval?.minAccuracy ?? NaN,
    finalMaxAccuracy: s.lastEval?.maxAccuracy ?? NaN,
    finalMeanLoss: s.lastEval?.meanLoss ?? NaN,
    finalConsensusDistance: s.last?.consensusDistance ?? NaN,
    rounds: s.rounds,
    peerSteps: s.peerSteps,
    wallSeconds: s.wallMs / 1000,
    trainSeconds: s.trainMs / 1000,
    evalSeconds: s.evalMs / 1000,
    setupSeconds: s.setupMs / 1000,
    peerStepsPerSecond: s.trainMs > 0 ? s.peerSteps / (s.trainMs / 1000) : 0,
    msPerRound: s.rounds > 0 ? s.trainMs / s.rounds : 0,
    bytesSent: s.bytesSent,
    backend: s.backend,
    kernel: s.kernel,
    workers: s.workers,
    params: s.params,
    spectralGap: s.spectral.gap,
    slem: s.spectral.slem,
    aborted: s.aborted,
  };
  if (s.simdUnavailable) summary.simdUnavailable = s.simdUnavailable;
  if (s.adversaries && s.adversaries.length > 0) summary.adversaries = s.adversaries;
  if (s.lastEval?.averageModelAccuracy !== undefined) {
    summary.finalAverageModelAccuracy = s.lastEval.averageModelAccuracy;
    summary.finalAverageModelLoss = s.lastEval.averageModelLoss ?? NaN;
  }
  if (s.lastEval?.epsilon !== undefined) summary.finalEpsilon = s.lastEval.epsilon;
  if (s.lastEval?.miaAuc !== undefined) {
    summary.finalMiaAuc = s.lastEval.miaAuc;
    summary.finalMiaAucMax = s.lastEval.miaAucMax ?? NaN;
  }
  if (s.counters) {
    const { virtualTime, messagesSent, messagesDropped, messagesDelivered } = s.counters;
    Object.assign(summary, { virtualTime, messagesSent, messagesDropped, messagesDelivered });
  }
  return summary;
}
