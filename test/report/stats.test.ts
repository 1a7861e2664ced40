import { describe, expect, it } from 'vitest';
import { estimate } from '../../src/report/stats.js';

/** t_{0.975} in closed form: n - 1 = 1 and 2 degrees of freedom */
const T1 = Math.tan(Math.PI * 0.475);
const T2 = 0.95 / Math.sqrt(2 * 0.975 * 0.025);

describe('estimate: the mean over seeds and its 95% confidence interval', () => {
  it('uses the sample standard deviation and t with n - 1 degrees of freedom', () => {
    const e = estimate([0.8, 0.85, 0.9]);
    expect(e.n).toBe(3);
    expect(e.mean).toBeCloseTo(0.85, 14);
    expect(e.sd).toBeCloseTo(0.05, 14);
    expect(e.half).toBeCloseTo((T2 * 0.05) / Math.sqrt(3), 12);
    expect(e.low).toBeCloseTo(0.85 - e.half, 14);
    expect(e.high).toBeCloseTo(0.85 + e.half, 14);
  });

  it('with two seeds the interval is t_{0.975,1} = 12.706 standard errors wide each side', () => {
    const e = estimate([1, 2]);
    expect(e.half).toBeCloseTo((T1 * Math.SQRT1_2) / Math.SQRT2, 10);
  });

  it('gives no interval for one seed, and nothing for none', () => {
    const one = estimate([0.7]);
    expect(one.mean).toBe(0.7);
    expect(one.half).toBeNaN();
    expect(estimate([]).mean).toBeNaN();
  });

  it('leaves out nulls and non-finite values (a diverged run writes null)', () => {
    const e = estimate([1, null, NaN, 3, undefined]);
    expect(e.n).toBe(2);
    expect(e.mean).toBe(2);
  });

  it('identical values give a zero-width interval', () => {
    const e = estimate([400, 400, 400]);
    expect(e.half).toBe(0);
    expect(e.low).toBe(400);
  });
});
