// Optimizers over flat rows: one peer's parameters, its gradient and its optimizer state are
// plain Float32Arrays (views into the shared peers x params matrices), updated in place.
// The update rules are those of tf.train.sgd / momentum / adam, so both kernel paths train alike.
// Where WebAssembly SIMD exists the vectors are copied into wasm memory and updated 4 lanes at a
// time (3x faster than a JS loop on a 100k-float row, copies included); else plain JS loops.

import { ConfigError } from '../errors.js';
import { SimdScratch } from '../wasm/index.js';

import { ADAM_DEFAULTS, MOMENTUM_DEFAULTS, type OptimizerSpec } from './optimizer-schema.js';

export type { OptimizerSpec };

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

export interface OptimizerOptions {
  /** Update in WebAssembly SIMD where available (default true); false keeps plain JS loops. */
  readonly simd?: boolean;
}

/** Keras' and tfjs' defaults. */
export { ADAM_DEFAULTS };

export function createOptimizer(spec: OptimizerSpec, lr: number, opts: OptimizerOptions = {}): FlatOptimizer {
  // lr 0 is allowed: pure gossip-averaging runs train nothing
  if (!(Number.isFinite(lr) && lr >= 0)) throw new ConfigError(`optimizer.lr: must be a number >= 0, got ${lr}`, 'model');
  const scratch = opts.simd === false ? null : SimdScratch.create();
  switch (spec.kind) {
    case 'sgd':
      return createSgd(lr, scratch);
    case 'momentum': {
      const beta = spec.beta ?? MOMENTUM_DEFAULTS.beta;
      checkBeta('optimizer.beta', beta);
      return createMomentum(lr, beta, scratch);
    }
    case 'adam': {
      const beta1 = spec.beta1 ?? ADAM_DEFAULTS.beta1;
      const beta2 = spec.beta2 ?? ADAM_DEFAULTS.beta2;
      const eps = spec.eps ?? ADAM_DEFAULTS.eps;
      checkBeta('optimizer.beta1', beta1);
      checkBeta('optimizer.beta2', beta2);
      if (!(Number.isFinite(eps) && eps > 0)) throw new ConfigError(`optimizer.eps: must be a positive number, got ${eps}`, 'model');
      return createAdam(lr, beta1, beta2, eps, scratch);
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

/** The first slots * n floats of state, without a new view in the usual exact-size case. */
const exact = (state: Float32Array, len: number) => (state.length === len ? state : state.subarray(0, len));

function createSgd(lr: number, scratch: SimdScratch | null): FlatOptimizer {
  return {
    kind: 'sgd',
    lr,
    slots: 0,
    apply(row, grad, state, _stepIndex) {
      checkSizes('sgd', row, grad, state, 0);
      const n = row.length;
      let i = 0;
      if (scratch) {
        scratch.fit(n, 0);
        const f = scratch.f32;
        f.set(row, 0);
        f.set(grad, n);
        i = n & ~3;
        scratch.fns.axpy(0, n * 4, i * 4, -lr);
        row.set(f.subarray(0, i));
      }
      for (; i < n; i++) row[i] -= lr * grad[i];
    },
  };
}

/** tf.train.momentum without Nesterov: v = beta v + g; w -= lr v. */
function createMomentum(lr: number, beta: number, scratch: SimdScratch | null): FlatOptimizer {
  return {
    kind: 'momentum',
    lr,
    slots: 1,
    apply(row, grad, state, _stepIndex) {
      checkSizes('momentum', row, grad, state, 1);
      const n = row.length;
      let i = 0;
      if (scratch) {
        scratch.fit(n, 1);
        const f = scratch.f32;
        f.set(row, 0);
        f.set(grad, n);
        f.set(exact(state, n), 2 * n);
        i = n & ~3;
        scratch.fns.momentum(0, n * 4, 2 * n * 4, i * 4, lr, beta);
        row.set(f.subarray(0, i));
        state.set(f.subarray(2 * n, 2 * n + i));
      }
      for (; i < n; i++) {
        const v = beta * state[i] + grad[i];
        state[i] = v;
        row[i] -= lr * v;
      }
    },
  };
}

/** tf.train.adam: bias-corrected first and second moments; state = [m | v]. */
function createAdam(lr: number, beta1: number, beta2: number, eps: number, scratch: SimdScratch | null): FlatOptimizer {
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
      let i = 0;
      if (scratch) {
        scratch.fit(n, 2);
        const f = scratch.f32;
        f.set(row, 0);
        f.set(grad, n);
        f.set(exact(state, 2 * n), 2 * n); // m then v, as in state
        i = n & ~3;
        scratch.fns.adam(0, n * 4, 2 * n * 4, 3 * n * 4, i * 4, beta1, b1c, beta2, b2c, lr * c1, c2, eps);
        row.set(f.subarray(0, i));
        state.set(f.subarray(2 * n, 2 * n + i));
        state.set(f.subarray(3 * n, 3 * n + i), n);
      }
      for (; i < n; i++) {
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
