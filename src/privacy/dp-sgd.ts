// DP-SGD (Abadi et al. 2016) on one peer's local step: a batch drawn by Poisson sampling (each of
// the peer's examples joins with probability q, as the accountant assumes) or from a shuffled
// epoch, every example's gradient clipped to L2 norm C before the batch is summed, Gaussian noise
// of std sigma C added to the sum, and the result divided by the expected batch size.
import type { Rng } from '../rng.js';
import type { StepKernel } from '../model/kernel.js';
import { addGaussianNoise } from './gaussian.js';
import type { PrivacySpec } from './schema.js';

/** Poisson sampling draws at the rate the accountant composes: one function for both. */
export { samplingRate } from './accountant.js';

/**
 * Writes `scale` x sum_i g_i min(1, clip / |g_i|) into grad, g_i being example i's loss gradient,
 * and returns the batch's mean loss. Kernels with a closed form (the dense SIMD kernel) do it in
 * one pass; the others compute each example's gradient alone (`tmp`: a row-sized scratch).
 */
export function clippedGradient(
  kernel: StepKernel, params: Float32Array, x: Float32Array, y: Uint8Array, batch: number, features: number,
  clip: number, scale: number, grad: Float32Array, tmp: Float32Array,
): number {
  if (kernel.clippedGradient) return kernel.clippedGradient(params, x, y, batch, clip, scale, grad);
  grad.fill(0);
  let lossSum = 0;
  for (let i = 0; i < batch; i++) {
    lossSum += kernel.gradient(params, x.subarray(i * features, (i + 1) * features), y.subarray(i, i + 1), 1, tmp);
    let sq = 0;
    for (let j = 0; j < tmp.length; j++) sq += tmp[j] * tmp[j];
    const norm = Math.sqrt(sq);
    const factor = norm > clip ? (scale * clip) / norm : scale;
    for (let j = 0; j < tmp.length; j++) grad[j] += factor * tmp[j];
  }
  return batch > 0 ? lossSum / batch : 0;
}

/**
 * Poisson sampling: each of the `count` indices order[start..start+count) joins the batch with
 * probability q, drawn in order from the peer's stream. Writes the chosen indices to `out` and
 * returns how many (at most count).
 */
export function poissonSample(rng: Rng, order: Int32Array, start: number, count: number, q: number, out: Int32Array): number {
  let b = 0;
  for (let i = 0; i < count; i++) if (rng.next() < q) out[b++] = order[start + i];
  return b;
}

/**
 * The noisy gradient of one DP-SGD step into grad: (sum of clipped gradients + N(0, sigma^2 C^2)) / B,
 * B the expected batch size (train.batchSize). Returns the batch's mean loss.
 */
export function noisyGradient(
  spec: PrivacySpec, kernel: StepKernel, rng: Rng, params: Float32Array, x: Float32Array, y: Uint8Array, batch: number,
  features: number, expectedBatch: number, grad: Float32Array, tmp: Float32Array,
): number {
  const { clip, noise } = spec.dp;
  const loss = clippedGradient(kernel, params, x, y, batch, features, clip, 1 / expectedBatch, grad, tmp);
  addGaussianNoise(rng, grad, (noise * clip) / expectedBatch);
  return loss;
}
