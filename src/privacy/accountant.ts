// The privacy accountant: each peer's (epsilon, delta) guarantee after its local DP-SGD steps. A
// step's RDP depends only on the sampling rate, so it is computed once per distinct rate and
// composed by multiplying by the step count (it runs on every evaluation round for every peer).
import type { PrivacySpec } from './schema.js';
import { computeRdp, DEFAULT_ORDERS, epsilonBalle, epsilonClassic, type EpsilonAt } from './rdp.js';

export class PrivacyAccountant {
  readonly noise: number;
  readonly delta: number;
  readonly conversion: PrivacySpec['conversion'];
  private readonly perStep = new Map<number, Float64Array>();
  private readonly composed: Float64Array;

  constructor(spec: Pick<PrivacySpec, 'dp' | 'conversion'>, readonly orders: readonly number[] = DEFAULT_ORDERS) {
    this.noise = spec.dp.noise;
    this.delta = spec.dp.delta;
    this.conversion = spec.conversion;
    this.composed = new Float64Array(orders.length);
  }

  /** One step's RDP at every order, for sampling rate q (cached). */
  rdpPerStep(q: number): Float64Array {
    let rdp = this.perStep.get(q);
    if (!rdp) {
      rdp = computeRdp(q, this.noise, 1, this.orders);
      this.perStep.set(q, rdp);
    }
    return rdp;
  }

  /** The guarantee after `steps` steps at sampling rate q, and the order attaining it. */
  spent(q: number, steps: number): EpsilonAt {
    if (steps === 0 || q === 0) return { epsilon: 0, order: this.orders[0] };
    const one = this.rdpPerStep(q);
    // 0 x Infinity (noise 0) would be NaN; steps > 0 here
    for (let k = 0; k < one.length; k++) this.composed[k] = one[k] * steps;
    const convert = this.conversion === 'classic' ? epsilonClassic : epsilonBalle;
    return convert(this.orders, this.composed, this.delta);
  }

  /** Epsilon after `steps` steps at sampling rate q (Infinity without noise). */
  epsilon(q: number, steps: number): number {
    return this.spent(q, steps).epsilon;
  }
}

/** A peer's sampling rate: each of its examples joins a batch with probability batchSize / examples. */
export function samplingRate(batchSize: number, examples: number): number {
  return examples <= 0 ? 0 : Math.min(1, batchSize / examples);
}
