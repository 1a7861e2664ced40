// Test runner settings. Tests that spawn the CLI or a worker pool take a second or two on a quiet
// machine but several when the machine is busy (CI shares 2 vCPUs); 20 s per test still catches a hang.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // a plug-in's `import ... from 'plexus'` in tests that load plug-ins from the sources (the built
  // CLI resolves it with Node's module hooks: src/config/plugin-hooks.ts)
  resolve: { alias: { plexus: fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
