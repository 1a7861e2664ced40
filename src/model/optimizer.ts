// Optimizers over flat rows: one peer's parameters, its gradient and its optimizer state are
// plain Float32Arrays (views into the shared peers x params matrices), updated in place.
// The update rules are those of tf.train.sgd / momentum / adam, so both kernel paths train alike.

import { ConfigError } from '../errors.js';

export type OptimizerSpec =
  | { kind: 'sgd' }
  | { kind: 'momentum'; beta: number }
  | { kind: 'adam'; beta1?: number; beta2?: number; eps?: number };

export interface FlatOptimizer {
  readonly kind: OptimizerSpec['kind'];
  readonly lr: number;
  /** How many params-sized state vectors each peer needs (sgd 0, momentum 1, adam 2). */
  readonly slots: number;
  /**
   * Updates `row` in place from `grad`. `state` holds `slots` params-sized vectors back to
   * back (zeros before a peer's first step; may be empty for sgd). `stepIndex` is the 1-based
   * count of this peer's own steps, used by Adam's bias correction.
   */
  apply(row: Float32Array, grad: Float32Array, state: Float32Array, stepIndex: number): void;
}

/** Keras' and tfjs' defaults. */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-7 } as const;

export function createOptimizer(spec: OptimizerSpec, lr: number): FlatOptimizer {
  // lr 0 is allowed: it turns D-PSGD into pure gossip averaging (the engine then skips apply).
  if (!(Number.isFinite(lr) && lr >= 0)) throw new ConfigError(`train.lr: must be a number >= 0, got ${lr}`, 'model');
  switch (spec.kind) {
    case 'sgd':
      return createSgd(lr);
    case 'momentum':
      checkBeta('optimizer.beta', spec.beta);
      return createMomentum(lr, spec.beta);
    case 'adam': {
      const beta1 = spec.beta1 ?? ADAM_DEFAULTS.beta1;
      const beta2 = spec.beta2 ?? ADAM_DEFAULTS.beta2;
      const eps = spec.eps ?? ADAM_DEFAULTS.eps;
      checkBeta('optimizer.beta1', beta1);
      checkBeta('optimizer.beta2', beta2);
      if (!(Number.isFinite(eps) && eps > 0)) throw new ConfigError(`optimizer.eps: must be a positive number, got ${eps}`, 'model');
      return createAdam(lr, beta1, beta2, eps);
    }
    default:
      throw new ConfigError(`optimizer.kind: unknown optimizer '${String((spec as { kind: unknown }).kind)}', use sgd, momentum or adam`, 'model');
  }
}

function checkBeta(field: string, beta: number): void {
  if (!(Number.isFinite(beta) && beta >= 0 && beta < 1)) throw new ConfigError(`${field}: must be in [0, 1), got ${beta}`, 'model');
}

function checkSizes(kind: string, row: Float32Array, grad: Float32Array, state: Float32Array, slots: number): void {
  if (grad.length !== row.length || state.length < slots * row.length) {
    throw new RangeError(
      `${kind}.apply: row has ${row.length} floats, grad ${grad.length}, state ${state.length}; ` +
        `grad must match the row and state must hold ${slots} x ${row.length}`,
    );
  }
}

function createSgd(lr: number): FlatOptimizer {
  return {
    kind: 'sgd',
    lr,
    slots: 0,
    apply(row, grad, state, _stepIndex) {
      checkSizes('sgd', row, grad, state, 0);
      const n = row.length;
      let i = 0;
      // unrolled by hand: V8 does not vectorise, and this runs ~1.5x faster than the plain loop
      for (const end = n - 3; i < end; i += 4) {
        row[i] -= lr * grad[i];
        row[i + 1] -= lr * grad[i + 1];
        row[i + 2] -= lr * grad[i + 2];
        row[i + 3] -= lr * grad[i + 3];
      }
      for (; i < n; i++) row[i] -= lr * grad[i];
    },
  };
}

/** tf.train.momentum without Nesterov: v = beta v + g; w -= lr v. */
function createMomentum(lr: number, beta: number): FlatOptimizer {
  return {
    kind: 'momentum',
    lr,
    slots: 1,
    apply(row, grad, state, _stepIndex) {
      checkSizes('momentum', row, grad, state, 1);
      const n = row.length;
      for (let i = 0; i < n; i++) {
        const v = beta * state[i] + grad[i];
        state[i] = v;
        row[i] -= lr * v;
      }
    },
  };
}

/** tf.train.adam: bias-corrected first and second moments; state = [m | v]. */
function createAdam(lr: number, beta1: number, beta2: number, eps: number): FlatOptimizer {
  return {
    kind: 'adam',
    lr,
    slots: 2,
    apply(row, grad, state, stepIndex) {
      checkSizes('adam', row, grad, state, 2);
      if (!(Number.isInteger(stepIndex) && stepIndex >= 1)) {
        throw new RangeError(`adam.apply: stepIndex is the peer's 1-based step count, got ${stepIndex}`);
      }
      const n = row.length;
      const c1 = 1 / (1 - Math.pow(beta1, stepIndex));
      const c2 = 1 / (1 - Math.pow(beta2, stepIndex));
      const b1c = 1 - beta1;
      const b2c = 1 - beta2;
      for (let i = 0; i < n; i++) {
        const g = grad[i];
        const m = beta1 * state[i] + b1c * g;
        const v = beta2 * state[n + i] + b2c * g * g;
        state[i] = m;
        state[n + i] = v;
        row[i] -= (lr * m * c1) / (Math.sqrt(v * c2) + eps);
      }
    },
  };
}
