// Builds the live view (viz/page) into dist/viz/page, which the viz server serves.
// dist/viz/server holds the compiled server (tsc), so only the page folder is emptied.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = fileURLToPath(new URL('./page', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/viz/page', import.meta.url));
/** The run format shared with the writer and the server (src/run-format/), its browser-safe half. */
const runFormat = fileURLToPath(new URL('../src/run-format/browser.ts', import.meta.url));

export default defineConfig({
  root: page,
  base: './',
  logLevel: 'warn',
  resolve: { alias: { '@plexus/run-format': runFormat } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1200,
  },
});
