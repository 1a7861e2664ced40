// Where tasks run: inline on the main thread (--workers 0) or in a piscina pool of worker threads.
// Both run the same handlers on the same shared buffers.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { WorkerError } from '../errors.js';
import { divergedError, type DivergenceAdvice } from '../metrics/divergence.js';
import { tfjsNodeInstalled, type BackendPreference } from '../model/backend.js';
import { pathUsesTfjs, type KernelPath } from '../model/kernel.js';
import { wasmStatus, type WasmStatus } from '../wasm/index.js';
import { createTaskContext, runTask, type TaskContext } from './tasks.js';
import type { Task, TaskResult, WorkerSetup } from '../../workers/messages.js';

export interface Executor {
  readonly workers: number;
  /** Runs tasks (in any order, possibly concurrently) and returns their results in task order. */
  run(tasks: Task[]): Promise<TaskResult[]>;
  /** Accumulated busy milliseconds per worker thread id, for balance reports. */
  busyByThread(): Map<number, number>;
  close(): Promise<void>;
}

/**
 * One worker per available CPU; on a single CPU no pool at all, since one worker only adds its
 * dispatch cost (a few percent) to the same work.
 */
export function defaultWorkerCount(): number {
  const n = availableParallelism();
  return n > 1 ? n : 0;
}

export interface WorkerDecision {
  workers: number;
  /** set when the pool was given up, saying why and how to keep it */
  warning?: string;
}

/**
 * The pool size a run can use. tfjs-node breaks when loaded in several worker threads
 * (tensorflow/tfjs#8388), so a run whose kernel would load it in workers runs inline; a run on the
 * SIMD kernel never loads tfjs and keeps its pool whatever is installed.
 */
export function effectiveWorkers(
  requested: number,
  kernelPath: KernelPath,
  backendPref: BackendPreference,
  env: { tfjsNodeInstalled?: () => boolean; wasm?: WasmStatus } = {},
): WorkerDecision {
  if (requested <= 0) return { workers: 0 };
  const wasm = env.wasm ?? wasmStatus();
  if (!pathUsesTfjs(kernelPath, wasm)) return { workers: requested };
  const onNode = backendPref === 'node' || (backendPref === 'auto' && (env.tfjsNodeInstalled ?? tfjsNodeInstalled)());
  if (!onNode) return { workers: requested };
  const kernel = kernelPath === 'fast' ? `the fast path's tfjs fallback (${wasm.reason})` : `the ${kernelPath} kernel`;
  return {
    workers: 0,
    warning:
      `running inline, not in ${requested} worker thread(s): ${kernel} runs on tfjs-node, which breaks when loaded in several threads ` +
      `(tensorflow/tfjs#8388); use --backend wasm to keep the pool`,
  };
}

function check(results: TaskResult[], advice?: DivergenceAdvice): TaskResult[] {
  for (const r of results) {
    if (!r.ok) {
      const where = [r.peer !== undefined ? `peer ${r.peer}` : '', r.round !== undefined ? `round ${r.round}` : '']
        .filter(Boolean)
        .join(', ');
      if (r.diverged && r.round !== undefined) {
        throw divergedError(r.round, r.message.replace(/^training failed: /, ''), advice, r.peer);
      }
      throw new WorkerError(`${r.kind} task failed${where ? ` at ${where}` : ''}: ${r.message}`, { peer: r.peer, round: r.round });
    }
  }
  return results;
}

class InlineExecutor implements Executor {
  readonly workers = 0;
  private busy = new Map<number, number>();
  constructor(private ctx: TaskContext, private readonly advice?: DivergenceAdvice) {}
  async run(tasks: Task[]): Promise<TaskResult[]> {
    const out = tasks.map((t) => runTask(this.ctx, t));
    for (const r of out) if (r.ok) this.busy.set(0, (this.busy.get(0) ?? 0) + r.busyMs);
    return check(out, this.advice);
  }
  busyByThread(): Map<number, number> {
    return this.busy;
  }
  async close(): Promise<void> {
    this.ctx.kernel.dispose();
  }
}

class PoolExecutor implements Executor {
  private busy = new Map<number, number>();
  private closed = false;
  constructor(private pool: Piscina, readonly workers: number, private readonly advice?: DivergenceAdvice) {}
  async run(tasks: Task[]): Promise<TaskResult[]> {
    if (this.closed) throw new WorkerError('the worker pool is closed');
    let out: TaskResult[];
    try {
      out = await Promise.all(tasks.map((t) => this.pool.run(t) as Promise<TaskResult>));
    } catch (e) {
      throw new WorkerError(`a worker thread crashed: ${(e as Error)?.message ?? e}`, { cause: e });
    }
    for (const r of out) if (r.ok) this.busy.set(r.threadId, (this.busy.get(r.threadId) ?? 0) + r.busyMs);
    return check(out, this.advice);
  }
  busyByThread(): Map<number, number> {
    return this.busy;
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }
}

/** dist/workers/worker.js; when running from TypeScript sources (tests), the built copy in dist/. */
function workerEntry(): string {
  const beside = fileURLToPath(new URL('../../workers/worker.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const built = fileURLToPath(new URL('../../dist/workers/worker.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new WorkerError(`worker entry not found at ${beside} or ${built}: run \`npm run build\` first`);
}

function kernelOf(r: TaskResult): string {
  return r.ok ? r.kernel : 'unknown';
}

export interface ExecutorInfo {
  executor: Executor;
  /** tfjs' backend, or 'none' when the kernel runs without tfjs (the SIMD kernel) */
  backend: string;
  kernel: string;
  /** why the WebAssembly SIMD kernels are unavailable in this runtime (absent when they run) */
  simdUnavailable?: string;
}

/**
 * Creates the executor; the backend name comes from the first task context (inline) or a probe task.
 * `advice` ends the message of a local step that diverged (default: a smaller learning rate).
 */
export async function createExecutor(setup: WorkerSetup, workers: number, opts: { advice?: DivergenceAdvice } = {}): Promise<ExecutorInfo> {
  const simdUnavailable = wasmStatus().reason;
  if (workers <= 0) {
    const ctx = await createTaskContext(setup);
    return { executor: new InlineExecutor(ctx, opts.advice), backend: ctx.backend, kernel: kernelOf(runTask(ctx, { kind: 'probe' })), simdUnavailable };
  }
  const filename = workerEntry();
  const pool = new Piscina({
    filename,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    workerData: setup,
    // Tasks are coarse (whole blocks of peers): one in flight per worker keeps the load even.
    // A single worker may hold a few: it then runs a batch back to back, in order, without
    // waiting for the main thread to hand over each next task.
    concurrentTasksPerWorker: workers === 1 ? 4 : 1,
  });
  const executor = new PoolExecutor(pool, workers, opts.advice);
  // Probe: warms every worker (kernel set-up, and tfjs with its backend if the kernel runs on it) and reports the backend in use.
  try {
    const probes = await executor.run(
      Array.from({ length: workers }, () => ({ kind: 'probe' as const })),
    );
    const first = probes[0];
    return { executor, backend: first.ok ? first.backend : 'unknown', kernel: kernelOf(first), simdUnavailable };
  } catch (e) {
    await executor.close();
    throw e;
  }
}
