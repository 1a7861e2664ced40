import { describe, expect, it } from 'vitest';
import { effectiveWorkers } from '../../src/engine/executor.js';

const installed = { tfjsNodeInstalled: () => true };
const absent = { tfjsNodeInstalled: () => false };
const noSimd = { ok: false, reason: 'WebAssembly SIMD does not validate in this runtime' };

describe('effectiveWorkers', () => {
  it('keeps the pool for the SIMD kernel even with tfjs-node installed, since it never loads tfjs', () => {
    expect(effectiveWorkers(2, 'fast', 'auto', installed)).toEqual({ workers: 2 });
    expect(effectiveWorkers(2, 'fast', 'node', installed)).toEqual({ workers: 2 });
  });

  it('runs inline, with a warning, when a tfjs kernel would load tfjs-node in workers', () => {
    for (const path of ['tfjs', 'layers'] as const) {
      const auto = effectiveWorkers(2, path, 'auto', installed);
      expect(auto.workers).toBe(0);
      expect(auto.warning).toMatch(new RegExp(`not in 2 worker thread\\(s\\): the ${path} kernel runs on tfjs-node`));
      expect(auto.warning).toMatch(/tensorflow\/tfjs#8388.*--backend wasm/);
      expect(effectiveWorkers(3, path, 'node', absent).workers).toBe(0);
    }
  });

  it("counts the fast path's tfjs fallback as a tfjs kernel and says why it fell back", () => {
    const d = effectiveWorkers(2, 'fast', 'auto', { ...installed, wasm: noSimd });
    expect(d.workers).toBe(0);
    expect(d.warning).toMatch(/fast path's tfjs fallback \(WebAssembly SIMD does not validate/);
    expect(effectiveWorkers(2, 'fast', 'wasm', { ...installed, wasm: noSimd })).toEqual({ workers: 2 });
  });

  it('keeps the pool for tfjs kernels on the wasm or cpu backends, or when tfjs-node is absent', () => {
    expect(effectiveWorkers(2, 'tfjs', 'wasm', installed)).toEqual({ workers: 2 });
    expect(effectiveWorkers(2, 'layers', 'cpu', installed)).toEqual({ workers: 2 });
    expect(effectiveWorkers(2, 'tfjs', 'auto', absent)).toEqual({ workers: 2 });
  });

  it('leaves an inline run inline, without a warning', () => {
    expect(effectiveWorkers(0, 'tfjs', 'node', installed)).toEqual({ workers: 0 });
  });

  it('asks whether tfjs-node is installed only when the answer matters', () => {
    let asked = 0;
    const probe = { tfjsNodeInstalled: () => (asked++, true) };
    effectiveWorkers(2, 'fast', 'auto', probe);
    effectiveWorkers(2, 'tfjs', 'wasm', probe);
    effectiveWorkers(0, 'tfjs', 'auto', probe);
    expect(asked).toBe(0);
    effectiveWorkers(2, 'tfjs', 'auto', probe);
    expect(asked).toBe(1);
  });
});
