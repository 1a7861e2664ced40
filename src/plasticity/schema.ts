// The config schema of plasticity: declared once here; its type is derived from it.
import { z } from 'zod';
import { int } from '../config/kinds.js';
import { RULE_KINDS } from './rules.js';

/** The fields every rule reads (a rule's check sees these; `rule` picks the rule). */
const fields = {
  /** how a peer measures a received model: its loss on the peer's held-out probe batch, or the cosine of their updates */
  signal: z.enum(['loss', 'cosine']).default('loss'),
  /** the share of the new signal in each strength update, in (0, 1] */
  rate: z.number().gt(0).max(1).default(0.1),
  /** strengths below it are cut, in [0, 1) */
  prune: z.number().min(0).lt(1).default(0.05),
  grow: z
    .object({
      every: int(1).default(5),
      candidates: int(1).default(2),
    })
    .strict()
    .default({}),
  /** at most this many in-links per peer (and models received per round) */
  degree: int(1).default(4),
  /** training examples each peer holds out to probe other peers' models on */
  probe: int(1).default(32),
  /** pens: rounds of its first phase (neighbour selection) */
  selectionRounds: int(1).default(20),
};
const fieldsSchema = z.object(fields);

export const plasticitySchema = z.object({ rule: z.enum(RULE_KINDS), ...fields }).strict();

export type PlasticitySpec = z.output<typeof plasticitySchema>;
/** The settings a rule reads, whatever the rule. */
export type PlasticityFields = z.output<typeof fieldsSchema>;
