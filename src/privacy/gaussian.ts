// Gaussian noise for DP-SGD: adds i.i.d. N(0, std^2) to a gradient in place, drawing only
// from the caller's seeded stream so runs stay deterministic for any worker count.
import type { Rng } from '../rng.js';

/**
 * Adds N(0, std^2) to every element of `out`. Consumes `rng` deterministically: the same
 * state in gives the same values out and the same state after. std = 0 changes nothing and
 * consumes nothing.
 */
export function addGaussianNoise(rng: Rng, out: Float32Array, std: number): void {
  if (std === 0 || out.length === 0) return;
  const n = out.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let u = 0;
    while (u === 0) u = rng.next();
    const v = rng.next();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    const t = 2 * Math.PI * v;
    out[i] += r * Math.cos(t);
    out[i + 1] += r * Math.sin(t);
  }
  if (i < n) out[i] += rng.normal() * std;
}
