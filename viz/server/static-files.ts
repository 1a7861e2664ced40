// The built page as an exact whitelist: URL path -> file, listed once at start-up.
// Nothing outside this map is ever read, so traversal has nothing to reach.

import { readdir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface PageFile {
  path: string;
  contentType: string;
  /** Vite's hashed assets never change under the same name. */
  immutable: boolean;
}

export function contentTypeOf(file: string): string | undefined {
  return CONTENT_TYPES[extname(file).toLowerCase()];
}

/** Lists the page's regular files (no symlinks, no unknown types). Empty if the page is not built. */
export async function indexPageFiles(pageDir: string): Promise<Map<string, PageFile>> {
  const files = new Map<string, PageFile>();
  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) await walk(abs);
      else if (e.isFile()) {
        const contentType = contentTypeOf(e.name);
        if (!contentType) continue;
        const url = '/' + relative(pageDir, abs).split(sep).join('/');
        files.set(url, { path: abs, contentType, immutable: url.startsWith('/assets/') });
      }
    }
  }
  await walk(pageDir);
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}
