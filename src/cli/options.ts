import { InvalidArgumentError } from 'commander';
import { PlexusError } from '../errors.js';

/** A wrong command line (not a wrong config): exit 2 with the message. */
export class UsageError extends PlexusError {}

export function parseIntOption(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be an integer >= ${min} (got '${value}')`);
    }
    return n;
  };
}
