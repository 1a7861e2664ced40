// The average model: the mean of the (honest) peers' rows, evaluated on the same test examples as the
// peers, as the ClippedGossip paper (He, Karimireddy, Jaggi 2022) reports it.
import type { Runtime } from '../engine/runtime.js';
import type { RoundMetrics } from '../engine/events.js';

export type AverageModelMetrics = Required<Pick<RoundMetrics, 'averageModelAccuracy' | 'averageModelLoss'>>;

/**
 * Recomputes the mean in float64 (rounded to float32 once, into meanF32: the SIMD column statistics
 * sum in float32) and evaluates it; call after anything that reads the consensus pass's state.mean.
 */
export async function evaluateAverageModel(runtime: Runtime, round: number, testN: number, honest?: number[]): Promise<AverageModelMetrics> {
  // over the honest peers when there are adversaries (their rows are not a model anyone should use)
  await runtime.columnMean(honest);
  const out = await runtime.evaluateMean(round, testN);
  return { averageModelAccuracy: out[0] / testN, averageModelLoss: out[1] / testN };
}
