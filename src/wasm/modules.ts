// The one check of what this runtime's WebAssembly supports and the one cache of compiled modules
// (each compiled once per thread). A failure is kept as a reason for the run's set-up line and
// summary, never turned silently into a slower path.

import { Code, ValType, assembleModule } from './asm.js';
import { denseModuleBytes, type DenseExports } from './dense-module.js';
import { convModuleBytes, type ConvExports } from './conv-module.js';
import { exchangeModuleBytes, type ExchangeExports } from './exchange-module.js';
import { optimizerModuleBytes, type OptimizerExports } from './optimizer-module.js';
import { gaussianModuleBytes, type GaussianExports } from './gaussian-module.js';

/** Bytes in a WebAssembly page. */
export const PAGE = 65536;

interface ModuleExports {
  dense: DenseExports;
  conv: ConvExports;
  optimizer: OptimizerExports;
  exchange: ExchangeExports;
  gaussian: GaussianExports;
}

export type ModuleName = keyof ModuleExports;

const MODULES: { readonly [K in ModuleName]: () => Uint8Array<ArrayBuffer> } = {
  dense: denseModuleBytes,
  conv: convModuleBytes,
  optimizer: optimizerModuleBytes,
  exchange: exchangeModuleBytes,
  gaussian: gaussianModuleBytes,
};

export interface WasmStatus {
  /** true when every module compiles: SIMD, shared memory and the kernels themselves */
  readonly ok: boolean;
  /** why not, in a sentence for the set-up line (absent when ok) */
  readonly reason?: string;
}

/** The part of the WebAssembly API the check uses; tests pass a crippled one. */
export type WasmApi = Pick<typeof WebAssembly, 'validate' | 'Module' | 'Memory'>;

export interface WasmCheck {
  status: WasmStatus;
  /** every module, compiled, when status.ok */
  modules: Partial<Record<ModuleName, WebAssembly.Module>>;
}

/** A function using a v128 op, on an imported plain or shared memory. */
function probe(shared: boolean, simd: boolean): Uint8Array<ArrayBuffer> {
  const code = new Code([ValType.I32]);
  if (simd) code.get(0).f32(0).f32x4Splat().v128Store();
  return assembleModule([{ name: 'probe', code }], 1, shared ? 1 : undefined);
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Checks SIMD, shared memory and threads, then compiles every module. Pure apart from `api`:
 * wasmStatus() runs it once per thread on the real WebAssembly.
 */
export function checkWasm(api: WasmApi | undefined): WasmCheck {
  const fail = (reason: string): WasmCheck => ({ status: { ok: false, reason }, modules: {} });
  if (!api) return fail('WebAssembly is not available in this runtime');
  if (!api.validate(probe(false, true))) return fail('WebAssembly SIMD does not validate in this runtime (Node >= 16.4 has it)');
  if (!api.validate(probe(true, false))) return fail('WebAssembly threads (shared memory) do not validate in this runtime');
  try {
    new api.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (e) {
    return fail(`shared WebAssembly memory cannot be created here (${message(e)})`);
  }
  const modules: WasmCheck['modules'] = {};
  for (const name of Object.keys(MODULES) as ModuleName[]) {
    try {
      modules[name] = new api.Module(MODULES[name]());
    } catch (e) {
      return fail(`the WebAssembly ${name} module does not compile (${message(e)})`);
    }
  }
  return { status: { ok: true }, modules };
}

let checked: WasmCheck | undefined;

function check(): WasmCheck {
  checked ??= checkWasm(typeof WebAssembly === 'object' ? WebAssembly : undefined);
  return checked;
}

/**
 * Whether the WebAssembly SIMD kernels run in this thread, and if not why. The first call checks
 * and compiles every module (a few ms); later calls are free. Every thread gives the same answer.
 */
export function wasmStatus(): WasmStatus {
  return check().status;
}

/** An instance of a compiled module on `memory`; throws with the reason where wasmStatus() is not ok. */
export function instantiate<K extends ModuleName>(name: K, memory: WebAssembly.Memory): ModuleExports[K] {
  const { status, modules } = check();
  const module = modules[name];
  if (!module) throw new Error(`WebAssembly kernels are unavailable: ${status.reason}`);
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as ModuleExports[K];
}
