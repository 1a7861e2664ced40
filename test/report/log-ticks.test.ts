import { describe, expect, it } from 'vitest';
import { logTicks, powerOfTen } from '../../src/report/log-ticks.js';

describe('log axis ticks', () => {
  it('write powers of ten with superscripts', () => {
    expect(powerOfTen(-12)).toBe('10⁻¹²');
    expect(powerOfTen(3)).toBe('10³');
  });

  it('put a grid line on every decade of a wide range and label at most six', () => {
    const t = logTicks(7e-12, 0.06);
    expect(t.domain).toEqual([1e-12, 0.1]);
    expect(t.values).toHaveLength(12);
    const labels = t.labels.filter((l) => l !== '');
    expect(labels.length).toBeLessThanOrEqual(6);
    expect(labels).toContain('10⁻¹'); // the top decade is always labelled
  });

  it('give a range narrower than a decade at least three labelled ticks inside it', () => {
    const t = logTicks(0.0095, 0.033);
    const inside = t.values.filter((v, i) => v >= t.domain[0] && v <= t.domain[1] && t.labels[i] !== '');
    expect(inside.length).toBeGreaterThanOrEqual(2);
    expect(t.values.length).toBeGreaterThanOrEqual(3);
    expect(t.labels).toContain('0.02');
    expect(t.labels).not.toContain('0.009'); // too close to 0.01 to label
  });

  it('refuses a range that is not positive', () => {
    expect(() => logTicks(0, 1)).toThrow(RangeError);
  });
});
