// The model a config describes, sized by its dataset: one function for set-up, the memory
// estimate and export.

import type { ModelSpec } from '../types.js';
import { modelOf } from '../model/registry.js';
import { datasetSizes } from './checks.js';
import type { ExperimentConfig } from './schema.js';

export function modelSpecOf(config: ExperimentConfig): ModelSpec {
  const sizes = datasetSizes(config);
  return modelOf(config.model.kind).spec(config.model, sizes);
}
