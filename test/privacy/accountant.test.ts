import { describe, expect, it } from 'vitest';
import { PrivacyAccountant, samplingRate } from '../../src/privacy/accountant.js';
import { erfc, logErfc } from '../../src/privacy/erfc.js';
import { DEFAULT_ORDERS, epsilonClassic, logAFrac, logAInt, rdpStep } from '../../src/privacy/rdp.js';
import { createRng } from '../../src/rng.js';

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const accountant = (noise: number, conversion: 'balle' | 'classic', delta = 1e-5) => new PrivacyAccountant({ dp: { clip: 1, noise, delta }, conversion });

/**
 * The RDP of one sampled-Gaussian step by brute force, independent of the series above:
 * log E_{z~N(0,s^2)}[((1-q) + q e^{(2z-1)/(2s^2)})^alpha] / (alpha - 1), by the trapezoidal rule in
 * log space (exponentially accurate for a smooth integrand that vanishes at both ends).
 */
function rdpByQuadrature(q: number, sigma: number, alpha: number): number {
  const h = 1e-3, lo = -40, hi = 40 + (2 * alpha) / sigma;
  const logF = (u: number) => {
    const t = (2 * sigma * u - 1) / (2 * sigma * sigma);
    // log((1-q) + q e^t) without overflow
    const mix = t > 0 ? t + Math.log(q + (1 - q) * Math.exp(-t)) : Math.log(1 - q + q * Math.exp(t));
    return -0.5 * u * u - 0.5 * Math.log(2 * Math.PI) + alpha * mix;
  };
  let max = -Infinity;
  for (let u = lo; u <= hi; u += h) max = Math.max(max, logF(u));
  let sum = 0;
  const n = Math.round((hi - lo) / h);
  for (let k = 0; k <= n; k++) sum += Math.exp(logF(lo + k * h) - max) * (k === 0 || k === n ? 0.5 : 1);
  return (Math.log(sum * h) + max) / (alpha - 1);
}

describe('erfc', () => {
  // reference values from mpmath at 40 digits
  const known: [number, number][] = [
    [0.1, 0.8875370839817151078], [0.46875, 0.50738652678206200841], [0.5, 0.47950012218695346232],
    [1, 0.15729920705028513066], [2, 0.0046777349810472658379], [3, 0.000022090496998585441373],
    [4, 1.5417257900280018852e-8], [4.5, 1.9661604415428874763e-10], [6, 2.1519736712498913117e-17],
    [10, 2.088487583762544757e-45], [20, 5.3958656116079009289e-176],
    [-0.3, 1.3286267594591274276], [-1, 1.8427007929497148693], [-3, 1.9999779095030014146],
  ];
  it('matches high-precision values to about 1e-15 relative', () => {
    for (const [x, v] of known) expect(relErr(erfc(x), v), `erfc(${x})`).toBeLessThan(2e-15);
  });
  it('gives log(erfc) far into the tail where erfc itself underflows', () => {
    expect(erfc(30)).toBe(0);
    expect(relErr(logErfc(10), -102.87988902484488857)).toBeLessThan(1e-15);
    expect(relErr(logErfc(30), -903.97411711064387808)).toBeLessThan(1e-15);
    expect(relErr(logErfc(100), -10005.177585122664333)).toBeLessThan(1e-15);
    expect(relErr(logErfc(-1), 0.61123231767807049464)).toBeLessThan(1e-15);
  });
  it("agrees with TF Privacy's asymptotic series for large arguments", () => {
    const x = 40;
    const laurent = -Math.log(Math.PI) / 2 - Math.log(x) - x * x - 0.5 * x ** -2 + 0.625 * x ** -4 - (37 / 24) * x ** -6 + (353 / 64) * x ** -8;
    expect(relErr(logErfc(x), laurent)).toBeLessThan(1e-15);
  });
});

describe('RDP of the sampled Gaussian', () => {
  it('is alpha / (2 sigma^2) at q = 1, 0 at q = 0, Infinity without noise', () => {
    for (const sigma of [0.5, 1.1, 4]) {
      for (const alpha of [1.5, 2, 7.3, 32]) expect(rdpStep(1, sigma, alpha)).toBeCloseTo(alpha / (2 * sigma * sigma), 12);
    }
    expect(rdpStep(0, 1, 5)).toBe(0);
    expect(rdpStep(0.01, 0, 5)).toBe(Infinity);
    expect(rdpStep(0.01, 1, Infinity)).toBe(Infinity);
    // the general series tends to the closed form as q -> 1
    expect(relErr(logAInt(1 - 1e-12, 1.3, 6) / 5, 6 / (2 * 1.69))).toBeLessThan(1e-9);
  });

  it('has integer and fractional formulas that agree at and near integer orders', () => {
    for (const [q, sigma] of [[0.01, 1.1], [256 / 60000, 0.7], [0.2, 2], [0.5, 1]]) {
      for (const alpha of [2, 3, 8, 20]) {
        const exact = logAInt(q, sigma, alpha);
        expect(relErr(logAFrac(q, sigma, alpha), exact), `q ${q} sigma ${sigma} alpha ${alpha}`).toBeLessThan(1e-10);
        expect(relErr(logAFrac(q, sigma, alpha + 1e-7), exact)).toBeLessThan(1e-5);
        expect(relErr(logAFrac(q, sigma, alpha - 1e-7), exact)).toBeLessThan(1e-5);
      }
    }
  });

  it('matches mpmath integrals of the privacy loss at 30 digits', () => {
    const mpmath: [number, number, number, number][] = [
      [0.01, 1.1, 8, 0.00058407033552025108], [0.01, 1.1, 8.5, 0.00062984010190879215],
      [256 / 60000, 0.7, 3.5, 0.00024811369161506649], [0.2, 2, 20, 0.84562621512944455], [0.2, 2, 2.7, 0.015767848896222282],
    ];
    for (const [q, sigma, alpha, v] of mpmath) expect(relErr(rdpStep(q, sigma, alpha), v), `q ${q} sigma ${sigma} alpha ${alpha}`).toBeLessThan(1e-9);
  });

  it('matches a brute-force integral of the privacy loss', () => {
    const cases: [number, number, number][] = [
      [0.01, 1.1, 8], [0.01, 1.1, 8.5], [256 / 60000, 0.7, 3.5], [256 / 60000, 1.3, 12], [0.2, 2, 20], [0.2, 2, 2.7], [0.05, 0.8, 1.3],
    ];
    for (const [q, sigma, alpha] of cases) {
      expect(relErr(rdpStep(q, sigma, alpha), rdpByQuadrature(q, sigma, alpha)), `q ${q} sigma ${sigma} alpha ${alpha}`).toBeLessThan(1e-9);
    }
  });
});

describe('PrivacyAccountant', () => {
  // TF Privacy's MNIST tutorial: 60,000 examples, batch 256, delta 1e-5 (classic conversion)
  const table: [noise: number, epochs: number, epsilon: number][] = [[1.3, 15, 1.19], [1.1, 60, 3.01], [0.7, 45, 7.1]];
  const q = 256 / 60000;
  const stepsOf = (epochs: number) => Math.ceil((epochs * 60000) / 256);

  it('reproduces the TF Privacy MNIST tutorial table within 0.03 with the classic conversion', () => {
    for (const [noise, epochs, published] of table) {
      const eps = accountant(noise, 'classic').epsilon(q, stepsOf(epochs));
      expect(Math.abs(eps - published), `noise ${noise}, ${epochs} epochs: ${eps}`).toBeLessThan(0.03);
    }
  });

  it('gives a smaller epsilon with the Balle et al. conversion', () => {
    for (const [noise, epochs] of table) {
      const classic = accountant(noise, 'classic').epsilon(q, stepsOf(epochs));
      const balle = accountant(noise, 'balle').epsilon(q, stepsOf(epochs));
      expect(balle).toBeGreaterThan(0);
      expect(balle).toBeLessThan(classic);
    }
  });

  it('at q = 1 gives the analytic minimum over the order grid (and no less than the continuous one)', () => {
    const sigma = 2, steps = 10, delta = 1e-5;
    const perOrder = DEFAULT_ORDERS.map((a) => (steps * a) / (2 * sigma * sigma) - Math.log(delta) / (a - 1));
    const spent = accountant(sigma, 'classic', delta).spent(1, steps);
    expect(spent.epsilon).toBeCloseTo(Math.min(...perOrder), 10);
    expect(spent.order).toBe(DEFAULT_ORDERS[perOrder.indexOf(Math.min(...perOrder))]);
    const c = steps / (2 * sigma * sigma);
    const continuous = c + 2 * Math.sqrt(c * -Math.log(delta));
    expect(spent.epsilon).toBeGreaterThanOrEqual(continuous);
    expect(spent.epsilon - continuous).toBeLessThan(0.01);
  });

  it('never lowers epsilon with more steps, less noise or a larger sampling rate', () => {
    const rng = createRng(14, 'accountant-monotone');
    const tol = (x: number) => 1e-12 * Math.max(1, x);
    for (let trial = 0; trial < 12; trial++) {
      const q = 10 ** (-4 + 3.5 * rng.next());
      const sigma = 0.5 + 3 * rng.next();
      const steps = 1 + rng.int(5000);
      const more = steps + 1 + rng.int(5000);
      for (const conversion of ['classic', 'balle'] as const) {
        const a = accountant(sigma, conversion);
        const eps = a.epsilon(q, steps);
        expect(a.epsilon(q, more) + tol(eps)).toBeGreaterThanOrEqual(eps);
        expect(accountant(sigma * 0.8, conversion).epsilon(q, steps) + tol(eps)).toBeGreaterThanOrEqual(eps);
        expect(a.epsilon(Math.min(1, q * 1.5), steps) + tol(eps)).toBeGreaterThanOrEqual(eps);
      }
    }
  });

  it('reports no steps as epsilon 0 and no noise as Infinity', () => {
    expect(accountant(1.1, 'balle').epsilon(0.01, 0)).toBe(0);
    expect(accountant(0, 'balle').epsilon(0.01, 5)).toBe(Infinity);
    expect(accountant(0, 'classic').epsilon(0.01, 5)).toBe(Infinity);
  });

  it('caches one RDP vector per sampling rate', () => {
    const a = accountant(1.1, 'balle');
    expect(a.rdpPerStep(0.02)).toBe(a.rdpPerStep(0.02));
    const c = accountant(1.1, 'classic');
    expect(c.epsilon(0.02, 200)).toBe(epsilonClassic(c.orders, c.rdpPerStep(0.02).map((r) => r * 200), 1e-5).epsilon);
  });

  it('takes a peer sampling rate of batch / examples, at most 1', () => {
    expect(samplingRate(32, 640)).toBe(0.05);
    expect(samplingRate(32, 20)).toBe(1);
    expect(samplingRate(32, 0)).toBe(0);
  });
});
