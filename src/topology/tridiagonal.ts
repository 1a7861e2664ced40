// Eigenvalues of a symmetric tridiagonal matrix by implicit QL (Numerical Recipes tqli),
// tracking only the LAST row of the eigenvector matrix: that row gives each Ritz vector's
// last component, which is all Lanczos needs for its residual bounds (O(k^2), not O(k^3)).
import { PlexusError } from '../errors.js';

export interface TridiagonalEigen {
  /** eigenvalues, unordered */
  readonly values: Float64Array;
  /** lastComponents[i] = last entry of the unit eigenvector of values[i] */
  readonly lastComponents: Float64Array;
}

/** diag[0..k), off[i] couples i and i+1 for i in [0, k-1). Inputs are not modified. */
export function tridiagonalEigen(diag: ArrayLike<number>, off: ArrayLike<number>, k: number): TridiagonalEigen {
  const d = Float64Array.from({ length: k }, (_, i) => diag[i]);
  const e = new Float64Array(k);
  for (let i = 0; i + 1 < k; i++) e[i] = off[i];
  const z = new Float64Array(k);
  if (k > 0) z[k - 1] = 1;
  for (let l = 0; l < k; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < k - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m !== l) {
        if (iter++ === 100) throw new PlexusError('spectral: the tridiagonal QL iteration did not converge');
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = Math.hypot(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = m - 1; i >= l; i--) {
          let f = s * e[i];
          const b = c * e[i];
          e[i + 1] = r = Math.hypot(f, g);
          if (r === 0) {
            // deflation: the split is exact, restart on the smaller block
            d[i + 1] -= p;
            e[m] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          f = z[i + 1];
          z[i + 1] = s * z[i] + c * f;
          z[i] = c * z[i] - s * f;
        }
        if (r === 0 && i >= l) continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
  return { values: d, lastComponents: z };
}
