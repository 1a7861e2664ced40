import { describe, expect, it } from 'vitest';
import { checkWasm, wasmStatus, type WasmApi } from '../../src/wasm/index.js';

/** The real API with one part replaced. */
const crippled = (part: Partial<WasmApi>): WasmApi => ({ validate: WebAssembly.validate, Module: WebAssembly.Module, Memory: WebAssembly.Memory, ...part });

describe('the WebAssembly check', () => {
  it('passes in Node 20 and compiles every module once', () => {
    const check = checkWasm(WebAssembly);
    expect(check.status).toEqual({ ok: true });
    expect(Object.keys(check.modules).sort()).toEqual(['conv', 'dense', 'exchange', 'gaussian', 'optimizer']);
    expect(wasmStatus()).toEqual({ ok: true });
    expect(wasmStatus()).toBe(wasmStatus());
  });

  it('says when WebAssembly is missing altogether', () => {
    expect(checkWasm(undefined).status).toEqual({ ok: false, reason: 'WebAssembly is not available in this runtime' });
  });

  it('says SIMD is missing when a v128 function does not validate', () => {
    const check = checkWasm(crippled({ validate: () => false }));
    expect(check.status.ok).toBe(false);
    expect(check.status.reason).toMatch(/SIMD does not validate/);
    expect(check.modules).toEqual({});
  });

  it('says threads are missing when only a shared memory import fails to validate', () => {
    let calls = 0;
    const check = checkWasm(crippled({ validate: (bytes) => ++calls === 1 && WebAssembly.validate(bytes) }));
    expect(check.status.reason).toMatch(/threads \(shared memory\) do not validate/);
  });

  it('says so when a shared memory cannot be created', () => {
    const Memory = function () {
      throw new TypeError('no SharedArrayBuffer here');
    } as unknown as typeof WebAssembly.Memory;
    expect(checkWasm(crippled({ Memory })).status.reason).toMatch(/shared WebAssembly memory cannot be created here \(no SharedArrayBuffer here\)/);
  });

  it('names the module that does not compile, with the compiler message', () => {
    const Module = function () {
      throw new WebAssembly.CompileError('invalid opcode 0xfd');
    } as unknown as typeof WebAssembly.Module;
    const check = checkWasm(crippled({ Module }));
    expect(check.status).toEqual({ ok: false, reason: 'the WebAssembly dense module does not compile (invalid opcode 0xfd)' });
  });
});
