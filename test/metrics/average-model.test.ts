// eval.averageModel: the mean of the peers' rows, evaluated on the peers' test examples.
import { describe, expect, it } from 'vitest';
import { createKernel } from '../../src/model/kernel.js';
import { loadDataset, modelSpecOf } from '../../src/engine/setup.js';
import { runRecorded, smallConfig, stripTimes } from '../engine/helpers.js';

const evaluated = (rounds: { averageModelAccuracy?: number; meanAccuracy?: number }[]) => rounds.filter((m) => m.meanAccuracy !== undefined);

describe('average model evaluation', () => {
  it('equals the peers when every peer holds the same row (shared init, lr 0)', async () => {
    const config = smallConfig({ rounds: 10, model: { kind: 'mlp', hidden: [8], init: 'shared' }, train: { lr: 0, batchSize: 16 }, eval: { every: 5, testExamples: 500, averageModel: true, atStart: true } });
    const { rounds } = await runRecorded(config);
    const ev = evaluated(rounds);
    expect(ev.map((m) => m.round)).toEqual([0, 5, 10]);
    for (const m of ev) {
      expect(m.averageModelAccuracy).toBe(m.meanAccuracy);
      expect(m.averageModelLoss).toBeCloseTo(m.meanLoss!, 6);
    }
  });

  it('scores what the mean of the rows, averaged by hand, scores with the fast kernel', async () => {
    const config = smallConfig({ rounds: 10, model: { kind: 'mlp', hidden: [12], init: 'independent' }, eval: { every: 10, testExamples: 500, averageModel: true } });
    for (const workers of [0, 2]) {
      const { rounds, engine } = await runRecorded(config, { workers });
      const dim = engine.world.state.dim;
      const acc = new Float64Array(dim);
      for (let p = 0; p < config.peers; p++) {
        const row = engine.peerParams(p);
        for (let c = 0; c < dim; c++) acc[c] += row[c];
      }
      const avg = Float32Array.from(acc, (v) => v / config.peers);
      const spec = modelSpecOf(config);
      const data = loadDataset(config);
      const kernel = await createKernel(spec, 'fast');
      const testN = config.eval.testExamples;
      const own = kernel.evaluate(avg, data.test.x, data.test.y, testN);
      kernel.dispose();
      const last = rounds[rounds.length - 1];
      expect(last.round).toBe(10);
      expect(last.averageModelAccuracy).toBe(own.correct / testN);
      expect(last.averageModelLoss).toBe(own.lossSum / testN);
      // independent inits, few rounds: the average is a different model from any peer
      expect(last.averageModelAccuracy).not.toBe(last.meanAccuracy);
    }
  }, 60_000);

  it('gives byte-identical metrics inline and with 2 worker threads', async () => {
    const config = smallConfig({ rounds: 10, topology: { kind: 'watts-strogatz', k: 2, beta: 0.2 }, model: { kind: 'mlp', hidden: [16] }, eval: { every: 5, testExamples: 500, averageModel: true } });
    const inline = await runRecorded(config, { workers: 0 });
    const pooled = await runRecorded(config, { workers: 2 });
    expect(evaluated(inline.rounds).every((m) => typeof m.averageModelAccuracy === 'number')).toBe(true);
    expect(JSON.stringify(stripTimes(pooled.rounds))).toBe(JSON.stringify(stripTimes(inline.rounds)));
    expect(JSON.stringify(pooled.peers)).toBe(JSON.stringify(inline.peers));
  }, 60_000);

  it('leaves the fields out when eval.averageModel is false (the default)', async () => {
    const config = smallConfig({ rounds: 5 });
    expect(config.eval.averageModel).toBe(false);
    const { rounds, summary } = await runRecorded(config);
    for (const m of rounds) {
      expect('averageModelAccuracy' in m).toBe(false);
      expect('averageModelLoss' in m).toBe(false);
    }
    expect('finalAverageModelAccuracy' in summary).toBe(false);
    expect('finalAverageModelLoss' in summary).toBe(false);
  });

  it('reports the last evaluation round in summary.finalAverageModelAccuracy', async () => {
    const config = smallConfig({ rounds: 12, eval: { every: 5, testExamples: 500, averageModel: true, atStart: true } });
    const { rounds, summary } = await runRecorded(config);
    const last = evaluated(rounds).at(-1)!;
    expect(last.round).toBe(12);
    expect(summary.finalAverageModelAccuracy).toBe(last.averageModelAccuracy);
    expect(summary.finalAverageModelLoss).toBe(last.averageModelLoss);
    // the average of training peers learns: its loss falls from the initial model's
    expect(summary.finalAverageModelLoss).toBeLessThan(rounds[0].averageModelLoss!);
  });
});
