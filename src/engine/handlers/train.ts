// The 'train' task: local steps for the listed peers (src/engine/local-step.ts).
import { NonFiniteLoss, trainPeer } from '../local-step.js';
import { PluginFault } from '../plugin-guard.js';
import { PeerFailure, type TaskHandlers } from '../task-context.js';

export const trainTasks: TaskHandlers<'train'> = {
  train(ctx, task) {
    const s = ctx.state;
    for (const p of task.peers) {
      try {
        trainPeer(ctx.step, s.params[task.src], p, task.round);
      } catch (e) {
        if (e instanceof PluginFault) throw e;
        throw new PeerFailure(`training failed: ${(e as Error)?.message ?? e}`, p, task.round, e instanceof NonFiniteLoss);
      }
    }
    return task.peers.length;
  },
};
