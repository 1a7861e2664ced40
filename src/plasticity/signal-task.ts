// Plasticity's probe tasks in a worker: link signals over receivers ('linkSignal') and one model's
// loss on a peer's probe batch ('probeLoss'); see ./signal.ts.
import type { TaskHandlers } from '../engine/task-context.js';
import { linkSignals, probeLoss } from './signal.js';

export const signalTasks: TaskHandlers<'linkSignal' | 'probeLoss'> = {
  linkSignal: (ctx, task) => {
    const s = ctx.state;
    return linkSignals(ctx.kernel, s.plastic!, s.params[task.src], s.dim, s.features, task.op, task.rowStart, task.rowEnd);
  },
  probeLoss: (ctx, task) => {
    const s = ctx.state;
    return probeLoss(ctx.kernel, s.plastic!, s.features, task.peer, task.model ?? s.params[task.src].subarray(task.peer * s.dim, (task.peer + 1) * s.dim));
  },
};
