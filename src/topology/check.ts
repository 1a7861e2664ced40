// Argument guards shared by the generators. Config validation normally catches these
// first; the guards are the safety net for direct callers, with the same message style.
import { TopologyError } from '../errors.js';

/** Throws a TopologyError whose message starts with the offending field. */
export function fail(field: string, message: string): never {
  throw new TopologyError(`${field ? `topology.${field}` : 'topology'}: ${message}`);
}

/** n must be an integer >= min. */
export function checkPeers(n: number, min: number, what: string): void {
  if (!Number.isInteger(n) || n < min) {
    fail('', `${what} needs an integer number of peers of at least ${min} (got ${n})`);
  }
}

/** An integer parameter in [min, max]; `limit` explains where max comes from. */
export function checkInt(field: string, value: number, min: number, max: number, limit: string): void {
  if (!Number.isInteger(value)) fail(field, `must be an integer (got ${value})`);
  if (value < min) fail(field, `must be at least ${min} (got ${value})`);
  if (value > max) fail(field, `${limit} allows ${field} at most ${max} (got ${value})`);
}

/** A probability in [0, 1]. */
export function checkProbability(field: string, value: number): void {
  if (!(value >= 0 && value <= 1)) fail(field, `must be a probability in [0, 1] (got ${value})`);
}
