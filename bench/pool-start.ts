// How long the executor takes to start: from createExecutor() until every worker has built its
// task context and answered the probe. Each sample runs in a fresh process (the set-up of a real
// run: nothing imported or compiled yet), on W1's world, which is built before the clock starts.
// `npm run bench:pool [-- --repeats 7 --workers 2 --paths fast,tfjs]`; prints medians.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/config/resolve.js';
import { createExecutor } from '../src/engine/executor.js';
import { createWorld } from '../src/engine/setup.js';
import type { KernelPath } from '../src/model/kernel.js';
import { CASES } from './cases.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

interface Sample {
  /** process start until this module's imports are done (the main thread's share of loading) */
  importMs: number;
  startMs: number;
  closeMs: number;
  backend: string;
  kernel: string;
}

async function child(workers: number, path: KernelPath): Promise<void> {
  const importMs = performance.now();
  const w1 = CASES.find((c) => c.id === 'w1-inline')!.config;
  const config = resolveConfig({ ...w1, model: { ...(w1.model as object), path } });
  const world = createWorld(config, 'auto');
  const t0 = performance.now();
  const { executor, backend, kernel } = await createExecutor({ state: world.state, settings: world.settings }, workers);
  const t1 = performance.now();
  await executor.close();
  const sample: Sample = { importMs, startMs: t1 - t0, closeMs: performance.now() - t1, backend, kernel };
  process.stdout.write(JSON.stringify(sample) + '\n');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function parent(): void {
  const repeats = Number(arg('repeats', '7'));
  const pool = Number(arg('workers', '2'));
  const paths = arg('paths', 'fast,tfjs').split(',') as KernelPath[];
  const self = fileURLToPath(import.meta.url);
  const runs: { label: string; workers: number; path: KernelPath }[] = [];
  for (const path of paths) {
    runs.push({ label: `${path} kernel, inline`, workers: 0, path });
    runs.push({ label: `${path} kernel, ${pool} workers`, workers: pool, path });
  }
  const samples = new Map<string, Sample[]>(runs.map((r) => [r.label, []]));
  // interleaved, so a noisy stretch of the machine spreads over every case
  for (let i = 0; i < repeats; i++) {
    for (const r of runs) {
      const out = execFileSync(process.execPath, [self, '--child', String(r.workers), r.path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      samples.get(r.label)!.push(JSON.parse(out.trim().split('\n').pop()!) as Sample);
    }
  }
  console.log(`executor start, median of ${repeats} fresh processes (W1 world built first, not timed)`);
  console.log('| case | backend | kernel | start s | min-max start s | close s | main-thread imports s |\n|---|---|---|---:|---:|---:|---:|');
  for (const r of runs) {
    const s = samples.get(r.label)!;
    const start = s.map((x) => x.startMs / 1000);
    const close = s.map((x) => x.closeMs / 1000);
    const imports = s.map((x) => x.importMs / 1000);
    const range = `${Math.min(...start).toFixed(3)}-${Math.max(...start).toFixed(3)}`;
    console.log(`| ${r.label} | ${s[0].backend} | ${s[0].kernel} | ${median(start).toFixed(3)} | ${range} | ${median(close).toFixed(3)} | ${median(imports).toFixed(3)} |`);
  }
}

const c = process.argv.indexOf('--child');
if (c >= 0) await child(Number(process.argv[c + 1]), process.argv[c + 2] as KernelPath);
else parent();
