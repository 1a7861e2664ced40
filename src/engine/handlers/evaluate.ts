// Evaluation tasks: each listed peer's test accuracy and loss ('eval'), and the average model's ('evalMean').
import { PeerFailure, type TaskHandlers } from '../task-context.js';

export const evaluationTasks: TaskHandlers<'eval' | 'evalMean'> = {
  eval(ctx, task) {
    const s = ctx.state;
    for (const p of task.peers) {
      try {
        const row = s.params[task.src].subarray(p * s.dim, (p + 1) * s.dim);
        // with clusters, each peer is tested on its own cluster's block of the test set
        const at = s.cluster ? s.cluster[p] * task.testN : 0;
        const r = ctx.kernel.evaluate(row, s.testX.subarray(at * s.features), s.testY.subarray(at), task.testN);
        s.evalOut[p * 3] = r.correct;
        s.evalOut[p * 3 + 1] = r.lossSum;
        s.evalOut[p * 3 + 2] = task.testN;
      } catch (e) {
        throw new PeerFailure(`evaluation failed: ${(e as Error)?.message ?? e}`, p, task.round);
      }
    }
    return task.peers.length;
  },
  evalMean(ctx, task) {
    const s = ctx.state;
    const r = ctx.kernel.evaluate(s.meanF32, s.testX, s.testY, task.testN);
    s.meanEvalOut[0] = r.correct;
    s.meanEvalOut[1] = r.lossSum;
    return 1;
  },
};
