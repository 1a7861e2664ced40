// The config schema of partitioners: the one list of partition kinds (types derived in spec.ts).
import { z } from 'zod';
import { int, taggedUnion } from '../../config/kinds.js';

export const partitionSchema = taggedUnion([
  z.object({ kind: z.literal('iid') }).strict(),
  z.object({ kind: z.literal('dirichlet'), alpha: z.number().gt(0) }).strict(),
  z.object({ kind: z.literal('shards'), perPeer: int(1) }).strict(),
  z.object({ kind: z.literal('label-blocks'), blocks: int(1) }).strict(),
]);

