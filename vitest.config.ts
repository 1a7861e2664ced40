// Test runner settings. Tests that spawn the CLI or a worker pool take a second or two on a quiet
// machine but several when the machine is busy (CI shares 2 vCPUs); 20 s per test still catches a hang.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
