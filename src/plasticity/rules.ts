// The plasticity rule registry: the one list of rules; the config's `rule` enum is read from it.
import { hebbian } from './hebbian.js';
import { none } from './none.js';
import { pens } from './pens.js';
import type { RuleDescriptor } from './types.js';

export const rules = [hebbian, pens, none] as const;

export type RuleKind = (typeof rules)[number]['kind'];

export const RULE_KINDS = rules.map((r) => r.kind) as [RuleKind, ...RuleKind[]];

export function ruleOf(kind: string): RuleDescriptor {
  const r = rules.find((d) => d.kind === kind);
  if (!r) throw new RangeError(`plasticity.rule: unknown rule '${kind}'; use one of ${RULE_KINDS.join(' | ')}`);
  return r;
}
