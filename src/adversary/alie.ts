// "A little is enough" (Baruch, Baruch, Goldberg 2019): send the honest neighbourhood's
// coordinate-wise mean minus z standard deviations, small enough to pass robust rules.
import { z } from 'zod';
import { defineAttack, honestEntries, rowStats } from './types.js';

/** The paper's z_max for n peers of which f are adversaries: s = floor(n/2 + 1) - f; z = Phi^-1((n - s) / n). */
export function alieZ(n: number, f: number): number {
  const s = Math.floor(n / 2 + 1) - f;
  return inverseNormal((n - s) / n);
}

export const alie = defineAttack({
  kind: 'alie',
  // an infinite z sends infinite rows: the run would die at the attack's first round
  schema: z.object({ kind: z.literal('alie'), z: z.number().finite().optional() }).strict(),
  summary: 'send mean - z std of the honest neighbours (z from n and f by default)',
  craft(spec, env, out) {
    const z = spec.z ?? alieZ(env.peers, env.adversaries);
    const mean = env.scratch64('attack-mean', env.dim);
    const std = env.scratch64('attack-std', env.dim);
    rowStats(env, honestEntries(env, env.to).map((p) => env.w.cols[p]), mean, std);
    for (let c = 0; c < env.dim; c++) out[c] = mean[c] - z * std[c];
  },
  check(spec, { peers: n, adversaries: f }) {
    if (spec.z !== undefined || Number.isFinite(alieZ(n, f))) return [];
    const s = Math.floor(n / 2 + 1) - f;
    return [
      `adversaries.attack: alie's default z = Phi^-1((n - s) / n), s = floor(n/2 + 1) - f, is infinite for n = ${n} peers and f = ${f} attackers ` +
      `(s = ${s}, so (n - s) / n = ${((n - s) / n).toPrecision(4)} is not below 1); set adversaries.attack.z explicitly (e.g. z: 1)`,
    ];
  },
  describe(spec, { peers: n, adversaries: f }) {
    return spec.z !== undefined ? `z=${spec.z}` : `z=${alieZ(n, f).toPrecision(3)}, its default for n = ${n} peers and f = ${f} attackers`;
  },
});

/** Phi^-1(p), Acklam's rational approximation (relative error < 1.2e-9); +-Infinity at 0 and 1. */
export function inverseNormal(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo || p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(p < lo ? p : 1 - p));
    const v = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < lo ? v : -v;
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
