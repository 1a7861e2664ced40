// The default sampler: fixed-size batches walked through the peer's shard, reshuffled (from the
// peer's stream) whenever the next batch would run past its end.
import { z } from 'zod';
import { defineStage } from './types.js';

export const shuffleSampling = defineStage({
  kind: 'shuffle-sampling',
  schema: z.object({ kind: z.literal('shuffle-sampling') }).strict(),
  summary: 'batches of train.batchSize from an epoch-wise reshuffled shard',
  at: 'sample',
  create: (_spec, { batchSize: B }) => (env) => {
    const p = env.peer;
    if (env.cursor[p] + B > env.shardSize) {
      env.rng.shuffle(env.order, env.shardStart, env.shardStart + env.shardSize);
      env.cursor[p] = 0;
    }
    env.indices = env.order;
    env.offset = env.shardStart + env.cursor[p];
    env.size = B;
    env.cursor[p] += B;
  },
});
