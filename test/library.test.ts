// The README's library example, run as written (imports resolved to the built package).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;

function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Plexus as a library'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README: no ```ts example under "Plexus as a library"');
  return m[1];
}

describe('the library API', () => {
  it('runs the README example, which learns', async () => {
    // the example's last line prints; capture what it prints instead
    const code = readmeExample().replace(/console\.log\((.*)\);\s*$/, 'export const printed = [$1];');
    const dir = mkdtempSync(join(ROOT, 'test', '.library-'));
    const file = join(dir, 'example.ts');
    writeFileSync(file, code);
    let printed: [[number, number][], number, number];
    try {
      ({ printed } = (await import(file)) as { printed: typeof printed });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const [curve, accuracy, speed] = printed;
    expect(curve.map(([r]) => r)).toEqual([10, 20, 30]);
    expect(accuracy).toBeGreaterThan(0.7);
    expect(curve[2][1]).toBeGreaterThan(curve[0][1]);
    expect(speed).toBeGreaterThan(0);
  }, 120_000);

  it('stops a run through an AbortSignal and closes the engine', async () => {
    const { resolveConfig, runExperiment } = await import('plexus');
    const config = resolveConfig({
      name: 'abort', peers: 4, rounds: 1000, data: { dataset: { kind: 'blobs', trainSize: 400, testSize: 100 }, examplesPerPeer: 50 },
      model: { kind: 'logistic' }, eval: { every: 1000, testExamples: 100 },
    });
    const ctrl = new AbortController();
    const summary = await runExperiment(config, { workers: 0, signal: ctrl.signal, on: { round: (m) => { if (m.round === 3) ctrl.abort(); } } });
    expect(summary.aborted).toBe(true);
    expect(summary.rounds).toBe(3);
  });
});
