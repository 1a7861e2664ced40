// What a poisoning attack contributes to the local step (src/step/): its poison() as a 'batch'
// stage that acts on the attackers' steps only, from the attack's start round.
import { z } from 'zod';
import { defineStage, type Stage } from '../step/types.js';
import { attackOf, attackRegistry } from './index.js';
import type { AdversaryPlan } from './plan.js';

/** The batch stage of the run's attack, when it poisons; none otherwise. */
export function attackStages(plan: AdversaryPlan | undefined): { stage: Stage; spec: unknown; what: string; source?: string }[] {
  const attack = plan && attackOf(plan.attack.kind);
  const poison = attack?.poison;
  if (!plan || !attack || !poison) return [];
  const spec = plan.attack;
  const stage = defineStage({
    kind: `${plan.attack.kind}-poisoning`,
    schema: z.object({ kind: z.literal(`${plan.attack.kind}-poisoning`) }),
    summary: `the attack ${plan.attack.kind} rewrites the attackers' batches`,
    at: 'batch',
    create: () => (env) => {
      if (env.adversarial) poison.call(attack, spec as never, env);
    },
  });
  const source = attackRegistry.sourceOf(plan.attack.kind);
  return [{ stage: stage as Stage, spec: { kind: stage.kind }, what: `attack '${plan.attack.kind}' poison`, source: source === 'built-in' ? undefined : source }];
}
