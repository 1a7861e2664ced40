// `plexus new plugin`: the starting files of each sort load, run, and pass their own check.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { plexus, tempDir } from '../cli/helpers.js';

const run = promisify(execFile);
const built = existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'new-command.js'));

describe.skipIf(!built)('plexus new plugin', () => {
  for (const kind of ['aggregation', 'attack', 'protocol']) {
    it(`writes a ${kind} that runs and passes its own check (same metrics on 0 and 2 workers)`, async () => {
      const dir = tempDir('plexus-new-');
      const r = await plexus(['new', 'plugin', `my-${kind}`, '--kind', kind, '--dir', dir]);
      expect(r.code, r.stderr).toBe(0);
      for (const ext of ['ts', 'yaml', 'test.mjs']) expect(existsSync(join(dir, `my-${kind}.${ext}`))).toBe(true);
      expect(readFileSync(join(dir, `my-${kind}.ts`), 'utf8')).toMatch(/from 'plexus'/);
      await run(process.execPath, ['--test', join(dir, `my-${kind}.test.mjs`)], { timeout: 60_000 });
    }, 60_000);
  }

  it('refuses a bad name, an unknown sort and files already there (exit 2)', async () => {
    const dir = tempDir('plexus-new-');
    expect((await plexus(['new', 'plugin', 'Bad Name', '--dir', dir])).stderr).toMatch(/not a kind name/);
    expect((await plexus(['new', 'plugin', 'x', '--kind', 'gizmo', '--dir', dir])).code).toBe(2);
    expect((await plexus(['new', 'plugin', 'x', '--dir', dir])).code).toBe(0);
    const again = await plexus(['new', 'plugin', 'x', '--dir', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exist/);
  }, 30_000);
});
