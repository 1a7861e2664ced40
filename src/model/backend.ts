// Picks the TensorFlow.js backend once per thread: tfjs-node when installed, else the
// single-threaded SIMD WebAssembly build, else plain JS ('cpu').

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ConfigError } from '../errors.js';

export type BackendPreference = 'auto' | 'wasm' | 'cpu' | 'node';

/** tfjs' name for the tfjs-node backend. */
export const NODE_BACKEND_NAME = 'tensorflow';

// A variable specifier keeps tsc from resolving the optional package at build time.
const TFJS_NODE = '@tensorflow/tfjs-node';

let wasmPathsSet = false;
let nodeImport: Promise<boolean> | undefined;
const inFlight = new Map<BackendPreference, Promise<string>>();

/**
 * Makes a backend active and returns tfjs' name for it ('wasm', 'cpu', or 'tensorflow' for
 * tfjs-node). 'auto' tries tfjs-node, then wasm, then cpu, silently. Asking for 'node' without
 * @tensorflow/tfjs-node installed throws a ConfigError. Safe and cheap to call repeatedly.
 */
export function selectBackend(pref: BackendPreference = 'auto'): Promise<string> {
  const wanted = expectedName(pref);
  if (wanted !== undefined && tf.getBackend() === wanted) return Promise.resolve(wanted);
  let p = inFlight.get(pref);
  if (!p) {
    p = activate(pref).finally(() => inFlight.delete(pref));
    inFlight.set(pref, p);
  }
  return p;
}

/**
 * Whether a backend may be loaded in several worker threads of one process. tfjs-node may not
 * (tensorflow/tfjs#8388: its native addon breaks when loaded by a second thread).
 */
export function backendSupportsWorkerThreads(name: string): boolean {
  return name !== NODE_BACKEND_NAME && name !== 'node';
}

function expectedName(pref: BackendPreference): string | undefined {
  if (pref === 'node') return NODE_BACKEND_NAME;
  if (pref === 'wasm' || pref === 'cpu') return pref;
  return undefined;
}

async function activate(pref: BackendPreference): Promise<string> {
  switch (pref) {
    case 'node':
      if (!(await importTfjsNode()) || !(await trySet(NODE_BACKEND_NAME))) {
        throw new ConfigError(
          [`backend: 'node' needs @tensorflow/tfjs-node, which is not installed (or failed to load); use --backend wasm, or install @tensorflow/tfjs-node`],
          'Backend unavailable',
        );
      }
      return NODE_BACKEND_NAME;
    case 'wasm':
      if (!(await trySetWasm())) {
        throw new ConfigError([`backend: the WebAssembly backend failed to start; use --backend cpu`], 'Backend unavailable');
      }
      return 'wasm';
    case 'cpu':
      if (!(await trySet('cpu'))) throw new ConfigError([`backend: the cpu backend failed to start`], 'Backend unavailable');
      return 'cpu';
    case 'auto':
      if (tf.getBackend() === NODE_BACKEND_NAME) return NODE_BACKEND_NAME;
      if ((await importTfjsNode()) && (await trySet(NODE_BACKEND_NAME))) return NODE_BACKEND_NAME;
      if (await trySetWasm()) return 'wasm';
      if (await trySet('cpu')) return 'cpu';
      throw new ConfigError([`backend: no TensorFlow.js backend could start (tried node, wasm, cpu)`], 'Backend unavailable');
    default:
      throw new ConfigError([`backend: unknown backend '${String(pref)}', use auto, wasm, cpu or node`]);
  }
}

function importTfjsNode(): Promise<boolean> {
  nodeImport ??= import(TFJS_NODE).then(
    () => true,
    () => false,
  );
  return nodeImport;
}

async function trySet(name: string): Promise<boolean> {
  if (tf.getBackend() === name) return true;
  try {
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

async function trySetWasm(): Promise<boolean> {
  if (tf.getBackend() === 'wasm') return true;
  if (!wasmPathsSet) {
    wasmPathsSet = true;
    // Node has no wasm threads in tfjs (tfjs#3830) so this picks tfjs-backend-wasm-simd.wasm
    // when SIMD validates; say so explicitly rather than rely on the probe.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const dir = wasmDistDir();
    if (dir !== undefined) {
      try {
        setWasmPaths(dir);
      } catch {
        // Already initialised elsewhere in this thread: its paths stand.
      }
    }
  }
  return trySet('wasm');
}

/** node_modules/@tensorflow/tfjs-backend-wasm/dist/ with a trailing separator, found from here. */
function wasmDistDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
  } catch {
    return undefined;
  }
}
