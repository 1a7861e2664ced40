// tfjs takes about 0.8 s to import, in every worker thread that imports it: only the kernels that
// run on it may load it. Vitest runs each test file in its own process, so nothing else loaded it here.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { activeBackend } from '../../src/model/backend.js';
import { createKernel, kernelBackend } from '../../src/model/kernel.js';
import { createOptimizer } from '../../src/model/optimizer.js';
import { SPECS } from './helpers.js';

const tfjsLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes('@tensorflow'));

describe('loading tfjs', () => {
  it('does not happen for the worker entry and everything it imports', async () => {
    // outside a pool its set-up fails (no workerData) and is kept for the first task: importing is enough
    await import('../../workers/worker.js');
    expect(tfjsLoaded()).toBe(false);
  });

  it('does not happen for the SIMD kernel and the optimizers', async () => {
    const kernel = await createKernel(SPECS['mlp [64, 32]'], 'fast', { backend: 'auto' });
    createOptimizer({ kind: 'adam' }, 0.01);
    expect(kernel.kind).toBe('simd');
    expect(kernelBackend(kernel)).toBe('none');
    expect(activeBackend()).toBe('none');
    expect(tfjsLoaded()).toBe(false);
    kernel.dispose();
  });

  it('happens for the tfjs path, on the backend asked for', async () => {
    const kernel = await createKernel(SPECS.logistic, 'tfjs', { backend: 'cpu' });
    expect(tfjsLoaded()).toBe(true);
    expect(kernelBackend(kernel)).toBe('cpu');
    kernel.dispose();
  });
});
