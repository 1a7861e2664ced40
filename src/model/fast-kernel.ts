// The fast path for the built-in models: the WebAssembly SIMD kernel where the runtime
// validates SIMD (every Node >= 16.4), else the hand-written tfjs-ops kernel.

import type { ModelSpec } from '../types.js';
import type { StepKernel } from './kernel.js';
import { createSimdKernel } from '../wasm/simd-kernel.js';
import { createTfjsKernel } from './tfjs-kernel.js';
import { simdSupported } from '../wasm/dense-module.js';

export function createFastKernel(spec: ModelSpec): StepKernel {
  return simdSupported() ? createSimdKernel(spec) : createTfjsKernel(spec);
}
