// The package ships its declarations: the example plug-ins type-check against dist/src/index.d.ts
// (an editor does the same for a plug-in anywhere), and a wrong option name is a type error.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../cli/helpers.js';
import { EXAMPLE_PLUGINS } from './examples.js';

const run = promisify(execFile);
const declarations = join(process.cwd(), 'dist', 'src', 'index.d.ts');
const tsc = join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc');
const EXAMPLES = EXAMPLE_PLUGINS.map((f) => f.split('/').at(-1)!);

async function typecheck(dir: string): Promise<string> {
  try {
    await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { timeout: 120_000 });
    return '';
  } catch (e) {
    return (e as { stdout: string }).stdout;
  }
}

describe.skipIf(!existsSync(declarations))('plug-in type declarations', () => {
  it('type-check the example plug-ins, and catch a misspelt option of a plug-in schema', async () => {
    const dir = tempDir('plexus-types-');
    const examples = join(process.cwd(), 'examples', 'plugins');
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [], paths: { plexus: [declarations] } },
      include: ['*.ts'],
    }));
    for (const f of EXAMPLES) copyFileSync(join(examples, f), join(dir, f));
    expect(await typecheck(dir)).toBe('');
    writeFileSync(join(dir, 'typo.ts'), `import { definePeerAggregation, z } from 'plexus';
export const r = definePeerAggregation({ kind: 'k', schema: z.object({ kind: z.literal('k'), steps: z.number() }), summary: 's',
  merge(spec, hood, out) { out[0] = spec.stepz + hood.selfWeight; } });
`);
    expect(await typecheck(dir)).toMatch(/typo\.ts\(3,\d+\): error TS2551: Property 'stepz' does not exist/);
  }, 120_000);
});
