// The stage registry: the stages a config turns on by name (train.stages), built-in and from
// plug-ins. Features that bring their own stages (privacy, attacks) contribute them in pipeline.ts.
import type { z } from 'zod';
import { unionOfKinds } from '../config/kinds.js';
import { KindRegistry } from '../config/registry.js';
import { clipGradient } from './clip-gradient.js';
import type { Stage } from './types.js';

export const stages = [clipGradient] as const;

const builtInSchema = unionOfKinds(stages);
/** The built-ins and the stages plug-ins add. */
export const stageRegistry = new KindRegistry<Stage>('train.stages', 'stages', stages as readonly Stage[]);
export const stageSchema = stageRegistry.lazySchema<typeof builtInSchema>();
export type StageSpec = z.output<typeof builtInSchema>;

export { defineStage, type Stage, type StageAt, type StageInfo, type StageStep, type StepEnv } from './types.js';
