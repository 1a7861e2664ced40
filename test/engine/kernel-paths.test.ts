// End to end, in worker threads: the fast (SIMD) kernel, the tfjs-ops kernel and the tfjs
// layers model train the same network to the same place.
import { describe, expect, it } from 'vitest';
import { runRecorded, smallConfig } from './helpers.js';

describe('kernel paths through the engine', () => {
  it('give the same run with the fast, tfjs and layers kernels (2 workers)', async () => {
    const runs = [];
    for (const path of ['fast', 'tfjs', 'layers']) {
      const config = smallConfig({ rounds: 12, model: { kind: 'mlp', hidden: [16], path }, eval: { every: 6, testExamples: 500 } });
      runs.push(await runRecorded(config, { workers: 2 }));
    }
    expect(runs.map((r) => r.engine.kernel)).toEqual(['simd', 'tfjs', 'layers']);
    const [fast, ...others] = runs;
    for (const other of others) {
      for (let i = 0; i < fast.rounds.length; i++) {
        const a = fast.rounds[i], b = other.rounds[i];
        expect(Math.abs(a.consensusDistance - b.consensusDistance) / a.consensusDistance).toBeLessThan(1e-3);
        if (a.meanAccuracy !== undefined) expect(Math.abs(a.meanAccuracy - b.meanAccuracy!)).toBeLessThanOrEqual(0.004);
      }
    }
  }, 120_000);
});
