// Where the built page lives: found from the package root, so the same code works from
// dist/ (compiled) and from the TypeScript sources (vitest).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder above `from` whose package.json names the plexus package. */
export function findPackageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'plexus') return dir;
      } catch {
        // an unreadable manifest is not ours; keep climbing
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`viz: could not find the plexus package root above ${from}`);
    dir = parent;
  }
}

/** dist/viz/page: where `vite build --config viz/vite.config.ts` writes the page. */
export function defaultPageDir(): string {
  return join(findPackageRoot(), 'dist', 'viz', 'page');
}
