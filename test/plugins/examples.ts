// The example plug-ins (examples/plugins/), for the suites that hold them to the built-ins'
// contracts, and what the plug-in CLI tests share: a directory outside the repository holding them,
// and a run's metrics lines without their wall-clock field.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../cli/helpers.js';

const dir = join(process.cwd(), 'examples', 'plugins');
export const EXAMPLE_PLUGINS = ['geometric-median.ts', 'mimic.ts', 'epidemic-learning.ts', 'funnel-mlp.ts', 'sign-sgd.ts', 'row-norm.ts'].map((f) => join(dir, f));

/** A new directory outside the repository holding the example plug-ins, and nothing installed. */
export function pluginDir(prefix = 'plexus-plugin-'): string {
  const out = tempDir(prefix);
  for (const f of EXAMPLE_PLUGINS) copyFileSync(f, join(out, f.split('/').at(-1)!));
  return out;
}

/** A run's metrics.jsonl lines without their wall-clock field. */
export function metricLines(runDir: string): Record<string, unknown>[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const { roundSeconds: _s, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  });
}
