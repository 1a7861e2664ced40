// Label blocks: peers and classes are both cut into `blocks` contiguous groups, and block b's
// peers draw uniformly (disjoint, seeded) from block b's classes only. Two blocks over MNIST give
// the dumbbell of He, Karimireddy, Jaggi (2022): peers 0..n/2-1 hold digits 0-4, the rest 5-9.

import { DataError } from '../../errors.js';
import type { Rng } from '../../rng.js';
import type { Partition } from '../../types.js';
import { createClassPools, fixedSizePartition } from './pools.js';
import { z } from 'zod';
import { int } from '../../config/kinds.js';
import { definePartition, type PartitionRequest } from './spec.js';

const schema = z.object({ kind: z.literal('label-blocks'), blocks: int(1) }).strict();

/** [start, end) of group g when `count` items are cut into `groups` near-equal contiguous groups. */
export function blockRange(count: number, groups: number, g: number): [number, number] {
  return [Math.floor((g * count) / groups), Math.floor(((g + 1) * count) / groups)];
}

export function partitionLabelBlocks(req: PartitionRequest, spec: z.output<typeof schema>, rng: Rng): Partition {
  const { labels, classes, peers, examplesPerPeer } = req;
  const { blocks } = spec;
  const pools = createClassPools(labels, classes, rng);
  const indices = new Int32Array(peers * examplesPerPeer);
  for (let b = 0; b < blocks; b++) {
    const [c0, c1] = blockRange(classes, blocks, b);
    const [p0, p1] = blockRange(peers, blocks, b);
    const pool = pools.order.slice(pools.start[c0], pools.start[c1]);
    const need = (p1 - p0) * examplesPerPeer;
    if (pool.length < need) {
      throw new DataError(
        `createPartition(label-blocks): block ${b} (peers ${p0}-${p1 - 1}, classes ${c0}-${c1 - 1}) needs ${need} examples ` +
          `but those classes have ${pool.length}; lower examplesPerPeer or peers`,
      );
    }
    rng.shuffle(pool);
    indices.set(pool.subarray(0, need), p0 * examplesPerPeer);
  }
  return fixedSizePartition(peers, examplesPerPeer, indices);
}

export const labelBlocksPartition = definePartition({
  kind: 'label-blocks',
  schema,
  summary: 'peers and classes cut into blocks; block b draws from its own classes only',
  partition: partitionLabelBlocks,
  check: (s, r) => {
    const max = Math.min(r.peers, r.classes);
    return Number.isInteger(s.blocks) && s.blocks >= 1 && s.blocks <= max ? [] : [{ field: 'blocks', problem: `blocks must be an integer from 1 to min(peers, classes) = ${max}, got ${s.blocks}` }];
  },
  describe: (s) => `label-blocks(${s.blocks})`,
});
