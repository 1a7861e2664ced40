// Ticks for a log axis: decades (10ᵏ) when the data span two decades or more, else 1-2-5 or
// 1-9 multiples of them, so that even a narrow range has a few labelled ticks.

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };
export const powerOfTen = (k: number) => `10${String(k).replace(/./g, (c) => SUPERSCRIPT[c])}`;

export interface LogTicks {
  domain: [number, number];
  /** grid lines and ticks */
  values: number[];
  /** the label of each value ('' for an unlabelled one) */
  labels: string[];
}

const MAX_LABELS = 6;
const exact = (m: number, k: number) => Number(`${m}e${k}`);

/** Ticks for data in [min, max] (both > 0). */
export function logTicks(min: number, max: number): LogTicks {
  if (!(min > 0) || !(max >= min)) throw new RangeError(`log ticks need 0 < min <= max (got ${min}, ${max})`);
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
  if (Math.log10(max / min) >= 2) {
    const step = Math.ceil((hi - lo) / (MAX_LABELS - 1));
    const exps = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    return {
      domain: [exact(1, lo), exact(1, hi)],
      values: exps.map((k) => exact(1, k)),
      labels: exps.map((k) => ((hi - k) % step === 0 ? powerOfTen(k) : '')),
    };
  }
  // a narrow range: pad it a little and use the finest multiples that still leave few labels
  const domain: [number, number] = [min / 1.12, max * 1.12];
  const inside = (mantissas: number[]) => {
    const ticks: [number, number][] = [];
    for (let k = lo - 1; k <= hi; k++) for (const m of mantissas) if (exact(m, k) >= domain[0] && exact(m, k) <= domain[1]) ticks.push([m, k]);
    return ticks;
  };
  const sets = [[1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]].map(inside);
  const ticks = sets.find((t) => t.length >= 3) ?? sets[1];
  const plain = ticks.every(([, k]) => k >= -3 && k <= 3);
  // on a 1-9 grid, neighbours such as 8 and 9 would collide: label 1, 2, 3 and 5 only
  const labelled = ticks === sets[1] ? ticks.filter(([m]) => [1, 2, 3, 5].includes(m)) : ticks;
  const show = new Set(labelled.length >= 2 ? labelled : ticks);
  return {
    domain,
    values: ticks.map(([m, k]) => exact(m, k)),
    labels: ticks.map((t) => {
      const [m, k] = t;
      if (!show.has(t)) return '';
      return plain ? String(exact(m, k)) : m === 1 ? powerOfTen(k) : `${m}×${powerOfTen(k)}`;
    }),
  };
}
