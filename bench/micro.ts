// What the micro-benchmarks share: numeric flags and the median time of a repeated call.

/** `--name value` from the command line as a number, or the fallback. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Median milliseconds of `repeats` calls of fn, after one warm-up call. */
export function medianMs(fn: () => void, repeats: number): number {
  fn();
  const ts: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
  }
  return median(ts);
}
