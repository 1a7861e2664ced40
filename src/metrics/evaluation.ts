// Evaluation rounds: every evaluated peer's test accuracy and loss, each peer's distance to the
// network average, and their summary over peers.
import type { Runtime } from '../engine/runtime.js';
import type { PeerMetrics, RoundMetrics } from '../engine/events.js';
import { evaluateAverageModel } from './average-model.js';

export interface Evaluation {
  round: Pick<RoundMetrics, 'meanAccuracy' | 'minAccuracy' | 'maxAccuracy' | 'meanLoss' | 'evaluatedPeers' | 'averageModelAccuracy' | 'averageModelLoss'>;
  peers: Pick<PeerMetrics, 'round' | 'accuracy' | 'loss' | 'distance' | 'adversarial'>;
}

/**
 * Measures after consensusDistance (which leaves the honest peers' mean fresh in the shared state);
 * with averageModel, also the average model (eval.averageModel) over the honest peers. evalPeers
 * holds no adversary; distances are to the honest mean, adversaries' too.
 */
export async function evaluatePeers(
  runtime: Runtime, round: number, n: number, evalPeers: number[], testN: number, averageModel = false, adversaries: number[] = [],
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
  const adversarial = adversaries.length > 0 ? new Array<boolean>(n).fill(false) : undefined;
  for (const p of adversaries) adversarial![p] = true;
  const honest = adversarial ? Array.from({ length: n }, (_, i) => i).filter((i) => !adversarial[i]) : undefined;
  const average = averageModel ? await evaluateAverageModel(runtime, round, testN, honest) : {};
  return {
    round: {
      meanAccuracy: accSum / evalPeers.length,
      minAccuracy: minAcc,
      maxAccuracy: maxAcc,
      meanLoss: lossSum / evalPeers.length,
      evaluatedPeers: evalPeers.length,
      ...average,
    },
    peers: { round, accuracy, loss, distance: Array.from(distance), ...(adversarial ? { adversarial } : {}) },
  };
}
