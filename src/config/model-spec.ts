// The model a config describes, sized by its dataset: one function for set-up, the memory
// estimate and export.

import type { ModelSpec } from '../types.js';
import { CNN_DEFAULTS } from '../model/cnn-shape.js';
import { datasetSizes } from './checks.js';
import type { ExperimentConfig } from './schema.js';

export function modelSpecOf(config: ExperimentConfig): ModelSpec {
  const sizes = datasetSizes(config);
  const m = config.model;
  if (m.kind === 'cnn') {
    return {
      kind: 'cnn', inputs: sizes.features, classes: sizes.classes, shape: sizes.shape,
      hidden: m.dense ?? m.hidden ?? CNN_DEFAULTS.dense, conv: m.conv ?? CNN_DEFAULTS.conv, activation: m.activation ?? CNN_DEFAULTS.activation,
    };
  }
  return { kind: m.kind, inputs: sizes.features, hidden: m.kind === 'logistic' ? [] : (m.hidden ?? [128]), classes: sizes.classes };
}
