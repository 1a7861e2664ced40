// Every task kind's handler, by kind: the host's groups and each feature's own. A feature adds its
// task's message to workers/messages.ts and its handlers here in one line; the mapped type makes
// a task kind without a handler a compile error.
import type { TaskKind } from '../../workers/messages.js';
import { miaTasks } from '../privacy/mia-task.js';
import { signalTasks } from '../plasticity/signal-task.js';
import { evaluationTasks } from './handlers/evaluate.js';
import { exchangeTasks } from './handlers/exchange.js';
import { statsTasks } from './handlers/stats.js';
import { trainTasks } from './handlers/train.js';
import type { TaskHandlers } from './task-context.js';

export const taskHandlers: TaskHandlers<TaskKind> = {
  ...trainTasks,
  ...exchangeTasks,
  ...statsTasks,
  ...evaluationTasks,
  ...miaTasks,
  ...signalTasks,
  probe: () => 0,
};
