// The model registry: the list of model kinds (src/model/kinds/, one file each). The config's
// model.kind and the fields each kind takes come from here.
import { z } from 'zod';
import { KindRegistry } from '../config/registry.js';
import { cnnModel } from './kinds/cnn.js';
import { logisticModel } from './kinds/logistic.js';
import { mlpModel } from './kinds/mlp.js';
import type { ModelConfig, ModelDescriptor } from './model-descriptor.js';

export const models = [logisticModel, mlpModel, cnnModel] as const;

export const modelRegistry = new KindRegistry<ModelDescriptor>('model', 'models', models as unknown as readonly ModelDescriptor[]);

type BuiltInKind = (typeof models)[number]['kind'];
/** model.kind: one of the registered kinds (read when a config is validated). */
export const modelKindSchema = z.lazy(() => z.enum(modelRegistry.kinds() as [string, ...string[]])) as unknown as z.ZodEnum<[BuiltInKind, ...BuiltInKind[]]>;

/** The model of a config that names none. */
export const DEFAULT_MODEL: BuiltInKind = mlpModel.kind;

export function modelOf(kind: string): ModelDescriptor {
  return modelRegistry.get(kind);
}

/** The model.* fields given that `m`'s kind does not take ("model.conv: only cnn has it; ..."). */
export function modelFieldIssues(m: ModelConfig & Record<string, unknown>, shared: readonly string[]): string[] {
  const own = Object.keys((modelOf(m.kind).schema as z.AnyZodObject).shape);
  const out: string[] = [];
  for (const [key, value] of Object.entries(m)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0) || own.includes(key) || shared.includes(key)) continue;
    const takers = modelRegistry.list().filter((d) => key in (d.schema as z.AnyZodObject).shape).map((d) => d.kind as string);
    out.push(`model.${key}: only ${takers.length === 1 ? `a ${takers[0]}` : takers.join(' | ')} has it; remove it or use kind: ${takers[0]}`);
  }
  return out;
}

export { defineModel, type ModelConfig, type ModelDescriptor } from './model-descriptor.js';
