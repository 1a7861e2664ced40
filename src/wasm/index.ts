// The WebAssembly SIMD code of Plexus: the model kernel, the optimizer loops and the exchange
// kernels, with one check of what the runtime supports (wasmStatus) and one module cache.
export { wasmStatus, checkWasm, type WasmStatus, type WasmApi } from './modules.js';
export { createSimdKernel, type SimdKernel, type PhaseProbe } from './simd-kernel.js';
export { createConvKernel } from './conv-kernel.js';
export { SimdScratch } from './optimizer-scratch.js';
export { createSharedWasmMemory, instantiateExchange, mixRowsSimd, windowMeanSimd, squaredDistanceSimd, type ExchangeKernels } from './exchange.js';
