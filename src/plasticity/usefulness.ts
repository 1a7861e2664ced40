// How useful a received model is to its receiver, in [0, 1], from the probes' results.
// loss: exp(-max(0, l_j - l_i) / l_i), l_j the source model's loss and l_i the receiver's own on
// the receiver's probe batch: 1 when the source does at least as well, e^-1 when its loss is
// twice the receiver's, whatever the loss scale. cosine: the cosine of the two updates, below 0 -> 0.
import type { Plan } from './types.js';

/** The floor of the own loss, so a model that fits its probe batch perfectly still compares sources. */
const MIN_LOSS = 1e-3;

export function usefulness(plan: Plan, signal: 'loss' | 'cosine', i: number, e: number): number {
  const { pair, own } = plan.shared;
  return signal === 'cosine' ? Math.max(0, pair[e]) : lossUsefulness(own[i], pair[e]);
}

/** exp(-max(0, lj - li) / li): the usefulness of a model of loss lj to a peer whose own loss is li. */
export function lossUsefulness(li: number, lj: number): number {
  const own = Math.max(li, MIN_LOSS);
  return Math.exp(-Math.max(0, lj - own) / own);
}

/** A score to rank sources by (higher is better): minus the loss, or the cosine. */
export function score(plan: Plan, signal: 'loss' | 'cosine', e: number): number {
  return signal === 'cosine' ? plan.shared.pair[e] : -plan.shared.pair[e];
}
