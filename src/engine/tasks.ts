// Running a task in whatever thread holds it: its kind's handler (./task-registry.ts) over the
// shared state, and a failure turned into data that names the peer and round.
import { threadId } from 'node:worker_threads';
import type { StepKernel } from '../model/kernel.js';
import type { Task, TaskResult } from '../../workers/messages.js';
import { PluginFault } from './plugin-guard.js';
import { PeerFailure, type TaskContext } from './task-context.js';
import { taskHandlers } from './task-registry.js';

export { createTaskContext, type TaskContext } from './task-context.js';

/** The kernel's own name where it has one (the fast path may be SIMD or its tfjs fallback). */
function kernelName(kernel: StepKernel, path: string): string {
  return (kernel as { kind?: string }).kind ?? path;
}

export function runTask(ctx: TaskContext, task: Task): TaskResult {
  const t0 = performance.now();
  try {
    const value = taskHandlers[task.kind](ctx, task as never);
    return { ok: true, kind: task.kind, value, busyMs: performance.now() - t0, backend: ctx.backend, kernel: kernelName(ctx.kernel, ctx.settings.kernelPath), threadId };
  } catch (e) {
    const err = e as Error;
    const blamed = e instanceof PeerFailure || e instanceof PluginFault;
    return {
      ok: false,
      kind: task.kind,
      message: err?.message ?? String(e),
      stack: err?.stack,
      peer: blamed ? e.peer : undefined,
      round: blamed ? e.round : 'round' in task ? task.round : undefined,
      diverged: e instanceof PeerFailure && e.diverged ? true : undefined,
      threadId,
    };
  }
}
