import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { backendSupportsWorkerThreads, selectBackend } from '../../src/model/backend.js';

describe('selectBackend', () => {
  it("picks the SIMD WebAssembly backend for 'auto' when tfjs-node is absent, silently", async () => {
    const name = await selectBackend('auto');
    expect(name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')).toBe(true);
    expect(tf.env().get('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(false);
  });

  it('is cheap and idempotent when called again', async () => {
    await selectBackend('wasm');
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) expect(await selectBackend('wasm')).toBe('wasm');
    expect(performance.now() - t0).toBeLessThan(50);
    expect(await selectBackend('auto')).toBe('wasm');
  });

  it('switches to the cpu backend and back', async () => {
    expect(await selectBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await selectBackend('wasm')).toBe('wasm');
  });

  it("throws a ConfigError saying tfjs-node is not installed when 'node' is asked for", async () => {
    const err = await selectBackend('node').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/@tensorflow\/tfjs-node.*not installed/);
    expect(String((err as Error).message)).toMatch(/--backend wasm/);
    expect(tf.getBackend()).toBe('wasm'); // left as it was
  });

  it('says tfjs-node cannot run in several worker threads and the others can', () => {
    expect(backendSupportsWorkerThreads('tensorflow')).toBe(false);
    expect(backendSupportsWorkerThreads('node')).toBe(false);
    expect(backendSupportsWorkerThreads('wasm')).toBe(true);
    expect(backendSupportsWorkerThreads('cpu')).toBe(true);
  });
});
