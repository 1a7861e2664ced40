// The contract every kernel meets (a minibatch gradient and an evaluation computed from one flat
// parameter row, with no model object per peer) and the registry that picks one by name.

import type { ModelSpec, ParamLayout } from '../types.js';
import { createFastKernel } from './fast-kernel.js';
import { createTfjsKernel } from './tfjs-kernel.js';
import { createLayersKernel } from './layers-kernel.js';

export interface StepKernel {
  readonly layout: ParamLayout;
  /** Mean softmax cross-entropy of the batch; writes d(mean loss)/d(params) into grad (same layout as the row). x is batch*inputs row-major. */
  gradient(params: Float32Array, x: Float32Array, y: Uint8Array, batch: number, grad: Float32Array): number;
  /**
   * Optional fused plain-SGD step: params -= lr * gradient, in place, without the gradient
   * leaving the kernel. Must give exactly what gradient() followed by the sgd optimizer gives.
   */
  sgdStep?(params: Float32Array, x: Float32Array, y: Uint8Array, batch: number, lr: number): number;
  /** Over n examples (chunked internally in large batches): number correct (argmax) and sum of per-example losses. */
  evaluate(params: Float32Array, x: Float32Array, y: Uint8Array, n: number): { correct: number; lossSum: number };
  /** Frees what the kernel holds (tensors, variables); safe to call twice. */
  dispose(): void;
}

/**
 * 'fast': the quickest hand-written kernel for the built-in models (WebAssembly SIMD, sparse in
 * the inputs; tfjs ops where SIMD is missing). 'tfjs': the hand-written forward/backward in
 * tfjs ops on the active backend. 'layers': a tf.sequential model and tf.variableGrads.
 */
export type KernelPath = 'fast' | 'tfjs' | 'layers';

export const KERNEL_PATHS: readonly KernelPath[] = ['fast', 'tfjs', 'layers'];

/** The 'tfjs' and 'layers' paths need selectBackend() to have run in this thread first. */
export function createKernel(spec: ModelSpec, path: KernelPath = 'fast'): StepKernel {
  switch (path) {
    case 'fast':
      return createFastKernel(spec);
    case 'tfjs':
      return createTfjsKernel(spec);
    case 'layers':
      return createLayersKernel(spec);
    default:
      throw new RangeError(`createKernel: unknown kernel path '${String(path)}', use ${KERNEL_PATHS.join(', ')}`);
  }
}

export { createFastKernel };
