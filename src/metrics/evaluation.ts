// Evaluation rounds: every evaluated peer's test accuracy and loss, each peer's distance to the
// network average, and their summary over peers.
import type { Runtime } from '../engine/runtime.js';
import type { PeerMetrics, RoundMetrics } from '../engine/events.js';
import { evaluateAverageModel } from './average-model.js';

export interface Evaluation {
  round: Pick<RoundMetrics, 'meanAccuracy' | 'minAccuracy' | 'maxAccuracy' | 'meanLoss' | 'evaluatedPeers' | 'averageModelAccuracy' | 'averageModelLoss'>;
  peers: Pick<PeerMetrics, 'round' | 'accuracy' | 'loss' | 'distance'>;
}

/**
 * Measures after consensusDistance (which leaves the network mean fresh in the shared state);
 * with averageModel, also the average model (eval.averageModel).
 */
export async function evaluatePeers(
  runtime: Runtime, round: number, n: number, evalPeers: number[], testN: number, averageModel = false,
): Promise<Evaluation> {
  const distance = await runtime.distances();
  const out = await runtime.evaluate(round, evalPeers, testN);
  const accuracy: (number | null)[] = new Array(n).fill(null);
  const loss: (number | null)[] = new Array(n).fill(null);
  let accSum = 0, lossSum = 0, minAcc = Infinity, maxAcc = -Infinity;
  for (const p of evalPeers) {
    const a = out[p * 3] / testN;
    const l = out[p * 3 + 1] / testN;
    accuracy[p] = a;
    loss[p] = l;
    accSum += a;
    lossSum += l;
    if (a < minAcc) minAcc = a;
    if (a > maxAcc) maxAcc = a;
  }
  // after distances(), which reads the consensus pass's mean that this recomputes
  const average = averageModel ? await evaluateAverageModel(runtime, round, testN) : {};
  return {
    round: {
      meanAccuracy: accSum / evalPeers.length,
      minAccuracy: minAcc,
      maxAccuracy: maxAcc,
      meanLoss: lossSum / evalPeers.length,
      evaluatedPeers: evalPeers.length,
      ...average,
    },
    peers: { round, accuracy, loss, distance: Array.from(distance) },
  };
}
