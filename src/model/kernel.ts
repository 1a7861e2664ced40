// The contract every kernel meets (a minibatch gradient and an evaluation computed from one flat
// parameter row, with no model object per peer) and the registry that picks one by name. tfjs is
// imported only by the paths that run on it, so a thread running the SIMD kernel never loads it.

import type { ModelSpec, ParamLayout } from '../types.js';
import { createConvKernel, createSimdKernel, wasmStatus, type WasmStatus } from '../wasm/index.js';
import { ConfigError } from '../errors.js';
import { NO_BACKEND, activeBackend, selectBackend, type BackendPreference } from './backend.js';

export interface StepKernel {
  /** which implementation computes: 'simd' (WebAssembly, no tfjs), 'tfjs' (hand-written ops) or 'layers' */
  readonly kind: 'simd' | 'tfjs' | 'layers';
  readonly layout: ParamLayout;
  /** Mean softmax cross-entropy of the batch; writes d(mean loss)/d(params) into grad (same layout as the row). x is batch*inputs row-major. */
  gradient(params: Float32Array, x: Float32Array, y: Uint8Array, batch: number, grad: Float32Array): number;
  /**
   * Optional fused plain-SGD step: params -= lr * gradient, in place, without the gradient
   * leaving the kernel. Must give exactly what gradient() followed by the sgd optimizer gives.
   */
  sgdStep?(params: Float32Array, x: Float32Array, y: Uint8Array, batch: number, lr: number): number;
  /**
   * Optional DP-SGD gradient (clipped before summed): writes into grad `scale` times the sum over
   * the batch of each example's gradient scaled to L2 norm at most `clip`, and returns the mean
   * loss. Kernels
   * without it are clipped one example at a time by clippedGradient() (src/privacy/dp-sgd.ts).
   */
  clippedGradient?(params: Float32Array, x: Float32Array, y: Uint8Array, batch: number, clip: number, scale: number, grad: Float32Array): number;
  /**
   * Over n examples (chunked internally in large batches): number correct (argmax) and sum of
   * per-example losses; with rowLoss (length >= n), also each example's loss (membership inference).
   */
  evaluate(params: Float32Array, x: Float32Array, y: Uint8Array, n: number, rowLoss?: Float64Array): { correct: number; lossSum: number };
  /** Frees what the kernel holds (tensors, variables); safe to call twice. */
  dispose(): void;
}

/**
 * 'fast': the quickest hand-written kernel for the built-in models (WebAssembly SIMD, sparse in
 * the inputs; the 'tfjs' kernel where the WebAssembly kernels are unavailable, wasmStatus() says
 * why). 'tfjs': the hand-written forward/backward in tfjs ops on the active backend. 'layers': a
 * tf.sequential model and tf.variableGrads.
 */
export type KernelPath = 'fast' | 'tfjs' | 'layers';

export const KERNEL_PATHS: readonly KernelPath[] = ['fast', 'tfjs', 'layers'];

export interface KernelOptions {
  /** the tfjs backend to make active when the kernel runs on tfjs (default 'auto'); unused by the SIMD kernel */
  backend?: BackendPreference;
  /** what this runtime's WebAssembly supports (default wasmStatus()); tests pass a failure */
  wasm?: WasmStatus;
}

/** Whether a path's kernel runs on tfjs here: 'tfjs', 'layers', and 'fast' without the WebAssembly kernels. */
export function pathUsesTfjs(path: KernelPath, wasm: WasmStatus = wasmStatus()): boolean {
  return path !== 'fast' || !wasm.ok;
}

/** Builds a path's kernel; imports tfjs and makes `opts.backend` active only when the kernel runs on tfjs. */
export async function createKernel(spec: ModelSpec, path: KernelPath = 'fast', opts: KernelOptions = {}): Promise<StepKernel> {
  if (!KERNEL_PATHS.includes(path)) {
    throw new RangeError(`createKernel: unknown kernel path '${String(path)}', use ${KERNEL_PATHS.join(', ')}`);
  }
  if (!pathUsesTfjs(path, opts.wasm)) return spec.kind === 'cnn' ? createConvKernel(spec) : createSimdKernel(spec);
  const backend = await selectBackend(opts.backend ?? 'auto');
  // a cnn's reference is its tfjs layers model (tfjs-wasm 4.22 has no Conv2DBackpropFilter: train it on cpu or node)
  if (spec.kind === 'cnn' && backend === 'wasm') {
    throw new ConfigError([`model.path: ${path} trains a cnn with tfjs, which needs the cpu or node backend (tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel); use path fast, or --backend cpu`]);
  }
  if (path === 'layers' || spec.kind === 'cnn') return (await import('./layers-kernel.js')).createLayersKernel(spec);
  return (await import('./tfjs-kernel.js')).createTfjsKernel(spec);
}

/** tfjs' name of the backend a kernel computes on; 'none' for the SIMD kernel, which does without tfjs. */
export function kernelBackend(kernel: StepKernel): string {
  return kernel.kind === 'simd' ? NO_BACKEND : activeBackend();
}
