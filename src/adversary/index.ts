// The attack registry and the `adversaries` config block: which peers are hostile (listed, or
// placed by a seeded rule), what they do and from which round. Links from an adversary to an
// honest peer carry crafted messages through extra rows after the peers' rows (see plan.ts).
import { z } from 'zod';
import { int, unionOfKinds } from '../config/kinds.js';
import { KindRegistry } from '../config/registry.js';
import { alie } from './alie.js';
import { dissensus } from './dissensus.js';
import { gaussian } from './gaussian.js';
import { ipm } from './ipm.js';
import { labelFlip } from './label-flip.js';
import { signFlip } from './sign-flip.js';
import type { Attack, Headcount } from './types.js';

export const attacks = [signFlip, gaussian, labelFlip, alie, ipm, dissensus] as const;

const builtInSchema = unionOfKinds(attacks);
/** The built-ins and the attacks plug-ins add. */
export const attackRegistry = new KindRegistry<Attack>('adversaries.attack', 'attacks', attacks as readonly Attack[]);
export const attackSchema = attackRegistry.lazySchema<typeof builtInSchema>();
export type AttackSpec = z.output<typeof builtInSchema>;

export const adversariesSchema = z
  .object({
    /** peer ids, or how many to place and where (seeded) */
    peers: z.union([
      z.array(int(0)).min(1),
      z.object({ count: int(1), placement: z.enum(['random', 'highest-degree', 'lowest-degree']).default('random') }).strict(),
    ]),
    attack: attackSchema,
    /** the first round they attack; before it they behave honestly */
    start: int(1).default(1),
  })
  .strict();
export type AdversariesConfig = z.output<typeof adversariesSchema>;

export function attackOf(kind: string): Attack {
  return attackRegistry.get(kind);
}

/** True when the attack sends crafted models (needs a protocol that mixes through ops.mix). */
export function craftsMessages(spec: AttackSpec): boolean {
  return attackOf(spec.kind).craft !== undefined;
}

/** True when the attack poisons its own training (poison(): a batch stage of the attackers' local steps; works with every protocol). */
export function poisonsData(spec: AttackSpec): boolean {
  return attackOf(spec.kind).poison !== undefined;
}

/** How many peers attack under this config block: the listed ids, or the placement's count. */
export function adversaryCount(cfg: AdversariesConfig): number {
  return Array.isArray(cfg.peers) ? new Set(cfg.peers).size : cfg.peers.count;
}

/** The attack's own problems with this many peers and attackers (see Attack.check). */
export function attackIssues(spec: AttackSpec, count: Headcount): string[] {
  return attackOf(spec.kind).check?.(spec as never, count) ?? [];
}

/** "kind(settings)": the attack and the settings that shape what it sends, defaults worked out. */
export function describeAttack(spec: AttackSpec, count: Headcount): string {
  const own = attackOf(spec.kind).describe?.(spec as never, count);
  const { kind, ...rest } = spec as Record<string, unknown>;
  const fields = Object.entries(rest).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(', ');
  const settings = own ?? fields;
  return settings ? `${kind}(${settings})` : String(kind);
}

export { createAdversaryPlan, craftLinks, remapMixing, type AdversaryPlan } from './plan.js';
export type { Attack, CraftEnv, Headcount } from './types.js';
export { createAsyncCrafter, type AsyncCrafter } from './async.js';
export { defineAttack, honestEntries, rowStats } from './types.js';
