import { InvalidArgumentError } from 'commander';
import { availableParallelism } from 'node:os';
import { PlexusError } from '../errors.js';
import { parseSize } from '../config/memory-limit.js';

/** A wrong command line (not a wrong config): exit 2 with the message. */
export class UsageError extends PlexusError {}

export function parseIntOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`${name} must be an integer ${range} (got '${value}')`);
    }
    return n;
  };
}

export function parseSizeOption(name: string) {
  return (value: string): number => {
    const n = parseSize(value);
    if (n === undefined) throw new InvalidArgumentError(`${name} must be a size such as 8G, 500M or 1.5G (got '${value}')`);
    return n;
  };
}

/** More threads than this only share the same CPUs, each costing its own memory. */
export function maxWorkers(cpus = availableParallelism()): number {
  return Math.min(64, 4 * cpus);
}

export function checkWorkers(workers: number | undefined, cpus = availableParallelism()): void {
  const max = maxWorkers(cpus);
  if (workers !== undefined && workers > max) {
    throw new UsageError(`--workers: ${workers} is more than ${max}, the most worth running here (4 per CPU, ${cpus} CPU(s), at most 64); leave it out for one per CPU, or use 0 to run inline`);
  }
}
