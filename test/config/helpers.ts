import { expect } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';

/** The issues of the ConfigError `f` throws (fails the test if it throws anything else, or nothing). */
export function configIssues(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

/** The issues resolving `raw` raises. */
export const issuesOf = (raw: unknown): string[] => configIssues(() => resolveConfig(raw));
