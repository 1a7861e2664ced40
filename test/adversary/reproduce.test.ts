// Small versions of the ClippedGossip reproductions (He, Karimireddy, Jaggi 2022; full size in
// experiments/dumbbell-mnist.yaml, malicious-ring-mnist.yaml and experiments/RESULTS.md): real
// MNIST, an MLP 784-32-10, momentum SGD, a third of the paper's iterations. The margins are ones a
// broken rule, topology, partition or attack would miss.
import { describe, expect, it } from 'vitest';
import { DivergenceError } from '../../src/errors.js';
import { runRecorded, smallConfig } from '../engine/helpers.js';

const base = (peers: number, partition: unknown) => ({
  peers, rounds: 300,
  data: { dataset: 'mnist', examplesPerPeer: 500, partition },
  model: { kind: 'mlp', hidden: [32] },
  train: { optimizer: { kind: 'momentum' }, lr: 0.02, batchSize: 32 },
  eval: { every: 300, testExamples: 2000, averageModel: true },
});

/** The honest peers' final average-model accuracy; a run whose honest models blow up counts as chance (0.1). */
async function averageModel(over: Record<string, unknown>): Promise<number> {
  try {
    return (await runRecorded(smallConfig(over))).summary.finalAverageModelAccuracy!;
  } catch (e) {
    if (e instanceof DivergenceError) return 0.1;
    throw e;
  }
}

describe('ClippedGossip reproductions, small', () => {
  it('dumbbell without attackers: clipping keeps gossip\'s average model, trimmed mean cuts the bridge', async () => {
    // clique A (peers 0-9) holds digits 0-4, clique B 5-9; they meet only on the edge 0 - 19.
    // tau 2 rather than the full run's 1: the smaller model's cliques sit further apart.
    const dumbbell = { ...base(20, { kind: 'label-blocks', blocks: 2 }), topology: 'dumbbell', mixing: 'uniform' };
    const gossip = await averageModel({ ...dumbbell, aggregation: 'mean' });
    const clipped = await averageModel({ ...dumbbell, aggregation: { kind: 'clipped-gossip', tau: 2 } });
    const trimmed = await averageModel({ ...dumbbell, aggregation: { kind: 'trimmed-mean', trim: 1 } });
    expect(gossip).toBeGreaterThan(0.75); // a model that has seen both halves of the digits
    expect(Math.abs(clipped - gossip)).toBeLessThan(0.02);
    expect(trimmed).toBeLessThan(gossip - 0.1); // the bridge's message is always an outlier, so trimmed
  }, 120000);

  for (const attack of [{ kind: 'alie', z: 10 }, { kind: 'ipm', epsilon: 0.1 }]) {
    it(`malicious ring under ${attack.kind}: clipped gossip learns, the mean and the trimmed mean collapse`, async () => {
      // 5 honest peers on a ring, each with two Byzantine leaves (peer 0 three): 11 attackers of 16;
      // plain Metropolis weights (the full config's lazy ones halve the attackers' pull)
      const ring = { ...base(16, { kind: 'iid' }), topology: 'malicious-ring', adversaries: { peers: { count: 11, placement: 'lowest-degree' }, attack } };
      const clipped = await averageModel({ ...ring, aggregation: { kind: 'clipped-gossip', tau: 0.1 } });
      const gossip = await averageModel({ ...ring, aggregation: 'mean' });
      const trimmed = await averageModel({ ...ring, aggregation: { kind: 'trimmed-mean', trim: 2 } });
      expect(clipped).toBeGreaterThan(0.8);
      expect(gossip).toBeLessThan(0.2);
      expect(trimmed).toBeLessThan(0.2);
    }, 120000);
  }
});
