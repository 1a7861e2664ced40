// `plexus run --viz` on a busy port: a usage error before anything is built or written.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/run-command.js';
import { UsageError } from '../../src/cli/options.js';
import { tempDir } from './helpers.js';

let blocker: Server;
let port: number;

beforeAll(async () => {
  blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  port = (blocker.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

describe('plexus run --viz --port P with P in use', () => {
  it('is a UsageError (exit 2) that names the port and the way out, and creates no run directory', async () => {
    const out = join(await tempDir('busy'), 'run');
    const err = await runCommand('test/e2e/fixtures/viz-live.yaml', { out, viz: true, port, vizWait: 0, quiet: true, workers: 0 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(`--port: ${port} is in use; choose another or 0 for a free one`);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
