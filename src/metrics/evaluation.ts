// Evaluation rounds: every evaluated peer's test accuracy and loss, each peer's distance to the
// network average, and their summary over peers.
import type { Runtime } from '../engine/runtime.js';
import type { World } from '../engine/setup.js';
import type { PeerMetrics, RoundMetrics } from '../engine/events.js';
import { evaluateAverageModel } from './average-model.js';

export interface Evaluation {
  round: Pick<RoundMetrics, 'meanAccuracy' | 'minAccuracy' | 'maxAccuracy' | 'meanLoss' | 'evaluatedPeers' | 'averageModelAccuracy' | 'averageModelLoss' | 'miaAuc' | 'miaAucMax'>;
  peers: Pick<PeerMetrics, 'round' | 'accuracy' | 'loss' | 'distance' | 'adversarial' | 'miaAuc'>;
}

/** What an evaluation reads of the world: config.peers, config.eval (averageModel, privacy), evalPeers (no adversary among them), testN, adversaries. */
export type EvaluationWorld = Pick<World, 'config' | 'evalPeers' | 'testN' | 'adversaries'>;

/**
 * Measures after consensusDistance (which leaves the honest peers' mean fresh in the shared state);
 * with averageModel, also the average model (eval.averageModel) over the honest peers. evalPeers
 * holds no adversary; distances are to the honest mean, adversaries' too.
 */
export async function evaluatePeers(runtime: Runtime, round: number, w: EvaluationWorld): Promise<Evaluation> {
  const { evalPeers, testN, adversaries } = w;
  const { peers: n, eval: { averageModel, privacy } } = w.config;
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
  const mia = privacy ? await membershipAttack(runtime, round, n, evalPeers, testN) : undefined;
  return {
    round: {
      meanAccuracy: accSum / evalPeers.length,
      minAccuracy: minAcc,
      maxAccuracy: maxAcc,
      meanLoss: lossSum / evalPeers.length,
      evaluatedPeers: evalPeers.length,
      ...average,
      ...mia?.round,
    },
    peers: { round, accuracy, loss, distance: Array.from(distance), ...(adversarial ? { adversarial } : {}), ...mia?.peers },
  };
}

/** The membership attack's AUC against each evaluated peer: mean and max over them, and per peer (null elsewhere). */
async function membershipAttack(runtime: Runtime, round: number, n: number, evalPeers: number[], testN: number) {
  const auc = await runtime.membershipAuc(round, evalPeers, testN);
  const perPeer: (number | null)[] = new Array(n).fill(null);
  let sum = 0, max = -Infinity;
  evalPeers.forEach((p, k) => {
    perPeer[p] = auc[k];
    sum += auc[k];
    max = Math.max(max, auc[k]);
  });
  return { round: { miaAuc: sum / evalPeers.length, miaAucMax: max }, peers: { miaAuc: perPeer } };
}
