// Piscina worker entry: builds its task context once from workerData, then runs typed tasks.
import { workerData } from 'piscina';
import { createTaskContext, runTask, type TaskContext } from '../src/engine/tasks.js';
import type { Task, TaskResult, WorkerSetup } from './messages.js';

const ready: Promise<TaskContext> = createTaskContext(workerData as WorkerSetup);
// Surface set-up failures through the first task rather than as an unhandled rejection.
ready.catch(() => undefined);

// A task runs synchronously once `ready` has resolved, so tasks handed to one worker together
// (the engine's single-worker batches) run to completion one after another, in order.
export default async function handle(task: Task): Promise<TaskResult> {
  let ctx: TaskContext;
  try {
    ctx = await ready;
  } catch (e) {
    return { ok: false, kind: task.kind, message: `worker set-up failed: ${(e as Error)?.message ?? e}`, threadId: -1 };
  }
  return runTask(ctx, task);
}
