// Picks the TensorFlow.js backend once per thread: tfjs-node when installed, else the
// single-threaded SIMD WebAssembly build, else plain JS ('cpu'). tfjs itself is imported on the
// first call (about 0.8 s), so a thread whose kernel does not use tfjs never pays for it.

import { createRequire } from 'node:module';
import path from 'node:path';
import { ConfigError } from '../errors.js';

type Tf = typeof import('@tensorflow/tfjs');

export type BackendPreference = 'auto' | 'wasm' | 'cpu' | 'node';

/** tfjs' name for the tfjs-node backend. */
export const NODE_BACKEND_NAME = 'tensorflow';

// A variable specifier keeps tsc from resolving the optional package at build time.
const TFJS_NODE = '@tensorflow/tfjs-node';

/** The not-a-backend reported by kernels that compute without tfjs (the SIMD kernel). */
export const NO_BACKEND = 'none';

let tfImport: Promise<Tf> | undefined;
/** tfjs once imported in this thread */
let loaded: Tf | undefined;
let wasmPathsSet = false;
let nodeImport: Promise<boolean> | undefined;
const inFlight = new Map<BackendPreference, Promise<string>>();

/** Imports tfjs and registers its WebAssembly backend, once per thread. */
function loadTfjs(): Promise<Tf> {
  tfImport ??= Promise.all([import('@tensorflow/tfjs'), import('@tensorflow/tfjs-backend-wasm')]).then(([tf]) => (loaded = tf));
  return tfImport;
}

/**
 * Makes a backend active and returns tfjs' name for it ('wasm', 'cpu', or 'tensorflow' for
 * tfjs-node), importing tfjs first if this thread has not. 'auto' tries tfjs-node, then wasm, then
 * cpu, silently. Asking for 'node' without @tensorflow/tfjs-node installed throws a ConfigError.
 * Safe and cheap to call repeatedly.
 */
export async function selectBackend(pref: BackendPreference = 'auto'): Promise<string> {
  const tf = await loadTfjs();
  const wanted = expectedName(pref);
  if (wanted !== undefined && tf.getBackend() === wanted) return wanted;
  let p = inFlight.get(pref);
  if (!p) {
    p = activate(tf, pref).finally(() => inFlight.delete(pref));
    inFlight.set(pref, p);
  }
  return p;
}

/** tfjs' active backend in this thread, or 'none' when tfjs has not been loaded here. */
export function activeBackend(): string {
  return loaded ? loaded.getBackend() : NO_BACKEND;
}

/** Whether @tensorflow/tfjs-node can be resolved from here (without loading it). */
export function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve(TFJS_NODE);
    return true;
  } catch {
    return false;
  }
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

async function activate(tf: Tf, pref: BackendPreference): Promise<string> {
  switch (pref) {
    case 'node':
      if (!(await importTfjsNode()) || !(await trySet(tf, NODE_BACKEND_NAME))) {
        throw new ConfigError(
          [`backend: 'node' needs @tensorflow/tfjs-node, which is not installed (or failed to load); use --backend wasm, or install @tensorflow/tfjs-node`],
          'Backend unavailable',
        );
      }
      return NODE_BACKEND_NAME;
    case 'wasm':
      if (!(await trySetWasm(tf))) {
        throw new ConfigError([`backend: the WebAssembly backend failed to start; use --backend cpu`], 'Backend unavailable');
      }
      return 'wasm';
    case 'cpu':
      if (!(await trySet(tf, 'cpu'))) throw new ConfigError([`backend: the cpu backend failed to start`], 'Backend unavailable');
      return 'cpu';
    case 'auto':
      if (tf.getBackend() === NODE_BACKEND_NAME) return NODE_BACKEND_NAME;
      if ((await importTfjsNode()) && (await trySet(tf, NODE_BACKEND_NAME))) return NODE_BACKEND_NAME;
      if (await trySetWasm(tf)) return 'wasm';
      if (await trySet(tf, 'cpu')) return 'cpu';
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

async function trySet(tf: Tf, name: string): Promise<boolean> {
  if (tf.getBackend() === name) return true;
  try {
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

async function trySetWasm(tf: Tf): Promise<boolean> {
  if (tf.getBackend() === 'wasm') return true;
  if (!wasmPathsSet) {
    wasmPathsSet = true;
    // Node has no wasm threads in tfjs (tfjs#3830) so this picks tfjs-backend-wasm-simd.wasm
    // when SIMD validates; say so explicitly rather than rely on the probe.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const dir = wasmDistDir();
    if (dir !== undefined) {
      try {
        const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
        setWasmPaths(dir);
      } catch {
        // Already initialised elsewhere in this thread: its paths stand.
      }
    }
  }
  return trySet(tf, 'wasm');
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
