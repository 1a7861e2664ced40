// The example plug-ins (examples/plugins/), for the suites that hold them to the built-ins' contracts.
import { join } from 'node:path';

const dir = join(process.cwd(), 'examples', 'plugins');
export const EXAMPLE_PLUGINS = ['geometric-median.ts', 'mimic.ts', 'epidemic-learning.ts', 'funnel-mlp.ts', 'sign-sgd.ts', 'row-norm.ts'].map((f) => join(dir, f));
