// Wasm memory for the optimizer loops. A plain JS loop over a 100k-float row costs ~0.1 ms
// (scalar, float32 <-> double on every element); copying the vectors into wasm memory, updating
// 4 lanes at a time and copying back costs about a third of that.

import { instantiate, wasmStatus, PAGE } from './modules.js';
import type { OptimizerExports } from './optimizer-module.js';

/**
 * Wasm memory laid out as [row | grad | state (slots x n)], contiguous, plus the compiled loops.
 * The loops cover the first n & ~3 floats of each vector; callers finish the last 0-3 in JS.
 */
export class SimdScratch {
  readonly fns: OptimizerExports;
  private readonly memory: WebAssembly.Memory;
  f32: Float32Array;
  n = -1;

  private constructor() {
    this.memory = new WebAssembly.Memory({ initial: 1 });
    this.fns = instantiate('optimizer', this.memory);
    this.f32 = new Float32Array(this.memory.buffer);
  }

  /** null where the WebAssembly kernels are unavailable (wasmStatus() says why): the JS loops serve there. */
  static create(): SimdScratch | null {
    return wasmStatus().ok ? new SimdScratch() : null;
  }

  /** Makes room for row, grad and `slots` state vectors of n floats. */
  fit(n: number, slots: number): void {
    const bytes = (2 + slots) * n * 4;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      this.memory.grow(Math.ceil((bytes - have) / PAGE));
      this.f32 = new Float32Array(this.memory.buffer);
    }
    this.n = n;
  }
}
