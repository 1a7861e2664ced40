// The 'mia' task: the membership attack against one peer's model, in a worker (eval.privacy).
import { PeerFailure, type TaskHandlers } from '../engine/task-context.js';
import { membershipAuc } from './mia.js';

export const miaTasks: TaskHandlers<'mia'> = {
  mia(ctx, task) {
    const s = ctx.state;
    try {
      return membershipAuc(ctx.kernel, s, ctx.scratch, s.params[task.src].subarray(task.peer * s.dim, (task.peer + 1) * s.dim), task.peer, task.testN, ctx.settings.seed);
    } catch (e) {
      throw new PeerFailure(`membership attack failed: ${(e as Error)?.message ?? e}`, task.peer, task.round);
    }
  },
};
