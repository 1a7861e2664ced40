// Where the WebAssembly SIMD kernels cannot run, the run says why, once: in its set-up line and
// in summary.json; never a silent slow path.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { describeSetup } from '../../src/cli/describe.js';
import { buildSummary } from '../../src/metrics/summary.js';
import { smallConfig } from './helpers.js';

describe('the WebAssembly status of a run', () => {
  it('is absent from the set-up line and summary where SIMD runs (this machine)', async () => {
    const engine = await Engine.create(smallConfig({ rounds: 1 }), { workers: 0 });
    try {
      expect(engine.simdUnavailable).toBeUndefined();
      expect(describeSetup(engine.setupInfo())).not.toMatch(/SIMD unavailable/);
      expect('simdUnavailable' in (await engine.run())).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('names the reason in the set-up line and in summary.json where it does not', async () => {
    const engine = await Engine.create(smallConfig({ rounds: 1 }), { workers: 0 });
    try {
      const reason = 'WebAssembly SIMD does not validate in this runtime';
      expect(describeSetup({ ...engine.setupInfo(), simdUnavailable: reason })).toMatch(new RegExp(`WebAssembly SIMD unavailable: ${reason}; the plain-JS and tfjs paths run instead`));
      const summary = buildSummary({
        config: engine.world.config, rounds: 1, peerSteps: 0, wallMs: 1, trainMs: 1, evalMs: 0, setupMs: 0, bytesSent: 0,
        backend: 'wasm', kernel: 'tfjs', workers: 0, params: 1, spectral: { gap: 1, slem: 0 }, aborted: false, simdUnavailable: reason,
      });
      expect(summary.simdUnavailable).toBe(reason);
    } finally {
      await engine.close();
    }
  });
});
