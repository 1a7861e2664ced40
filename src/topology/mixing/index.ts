// The mixing-rule registry: one rule per file, chosen by name.
import type { MixingMatrix, Topology } from '../../types.js';
import { TopologyError } from '../../errors.js';
import { columnStochastic } from './column-stochastic.js';
import { lazyMetropolis } from './lazy-metropolis.js';
import { metropolis } from './metropolis.js';
import { uniform } from './uniform.js';

export type MixingRule = 'metropolis' | 'lazy-metropolis' | 'uniform' | 'column-stochastic';

const rules: { readonly [R in MixingRule]: (t: Topology) => MixingMatrix } = {
  metropolis,
  'lazy-metropolis': lazyMetropolis,
  uniform,
  'column-stochastic': columnStochastic,
};

/** Metropolis (lazy or not) and uniform are symmetric, doubly stochastic; column-stochastic has unit column sums (see its file). */
export function createMixing(t: Topology, rule: MixingRule): MixingMatrix {
  const make = rules[rule] as ((t: Topology) => MixingMatrix) | undefined;
  if (!make) throw new TopologyError(`mixing: unknown rule '${rule}'; use metropolis, lazy-metropolis, uniform or column-stochastic`);
  return make(t);
}

export { columnStochastic, lazyMetropolis, metropolis, uniform };
