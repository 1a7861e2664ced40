// Frame times of the live view in headless Chromium (software WebGL via SwiftShader):
// synthetic runs of growing size, measured while laying out, idle, and recolouring every
// frame (a new round on every frame: the worst case for per-round updates).
//
//   npm run build && node dist/bench/viz-frames.js [--sizes 2000x10000,10000x50000] [--rounds 24]
//
// Prints a Markdown table for bench/RESULTS.md ("Viz frame times").

import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startVizServer } from '../src/cli/viz.js';
import { writeSyntheticRun } from '../viz/server/synthetic-run.js';

interface FrameStats {
  frames: number;
  fps: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  renderMeanMs: number;
  updateMeanMs: number;
}

interface Hook {
  ready: boolean;
  nodeCount: number;
  edgeCount: number;
  state(): { frames: number; finished: boolean; layoutSettled: boolean; layoutIterations: number; layoutMs: number | null };
  measureFrames(ms: number, opts?: { cycle?: boolean }): Promise<FrameStats>;
  pause(): void;
}

declare const window: { __plexus?: Hook };

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const sizes = arg('sizes', '500x2500,2000x10000,5000x25000,10000x50000')
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number]);
const rounds = Number(arg('rounds', '24'));
const layoutBudgetMs = Number(arg('layout-budget', '240000'));
const chromiumPath = process.env.PLEXUS_CHROMIUM ?? '/usr/bin/chromium';

const fmt = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '–');

async function benchOne(peers: number, edges: number) {
  const dir = await mkdtemp(join(tmpdir(), `plexus-vizbench-${peers}-`));
  await writeSyntheticRun({ dir, peers, degree: (2 * edges) / peers, rounds, seed: 1 });
  const viz = await startVizServer({ runDir: dir, port: 0 });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const t0 = Date.now();
    await page.goto(`${viz.url}?autoplay=0`);
    await page.waitForFunction(() => window.__plexus?.ready === true, null, { timeout: 120000 });
    const readyMs = Date.now() - t0;
    await page.waitForFunction((n) => window.__plexus!.state().finished && window.__plexus!.state().frames === n, rounds + 1, {
      timeout: 120000,
    });
    const loadedMs = Date.now() - t0;
    const counts = await page.evaluate(() => ({ nodes: window.__plexus!.nodeCount, edges: window.__plexus!.edgeCount }));
    const during = await page.evaluate(() => window.__plexus!.measureFrames(3000));
    await page.waitForFunction(() => window.__plexus!.state().layoutSettled, null, { timeout: layoutBudgetMs, polling: 500 });
    const layout = await page.evaluate(() => window.__plexus!.state());
    const layoutMs = layout.layoutMs ?? NaN;
    const idle = await page.evaluate(() => window.__plexus!.measureFrames(3000));
    const recolour = await page.evaluate(() => window.__plexus!.measureFrames(5000, { cycle: true }));
    return { peers: counts.nodes, edges: counts.edges, readyMs, loadedMs, layoutIterations: layout.layoutIterations, layoutMs, during, idle, recolour };
  } finally {
    await browser.close();
    await viz.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const rows: string[] = [];
const started = new Date().toISOString().slice(0, 10);
console.log(`viz frame times: headless Chromium ${chromiumPath}, SwiftShader WebGL, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), 1440x900, ${rounds + 1} rounds`);
for (const [peers, edges] of sizes) {
  process.stderr.write(`  ${peers} peers, ${edges} edges…\n`);
  const r = await benchOne(peers, edges);
  const row =
    `| ${r.peers.toLocaleString('en')} | ${r.edges.toLocaleString('en')} | ${fmt(r.readyMs / 1000)} s | ` +
    `${fmt(r.during.meanMs)} / ${fmt(r.during.p95Ms)} | ${r.layoutIterations} it, ${fmt(r.layoutMs / 1000)} s | ` +
    `${fmt(r.idle.meanMs)} / ${fmt(r.idle.p95Ms)} | ${fmt(r.recolour.meanMs)} / ${fmt(r.recolour.p95Ms)} (${fmt(r.recolour.fps)} fps) | ` +
    `${fmt(r.recolour.updateMeanMs)} | ${fmt(r.recolour.renderMeanMs)} |`;
  rows.push(row);
  process.stderr.write(`    ${JSON.stringify(r)}\n`);
}
console.log(`\nMeasured ${started}.\n`);
console.log('| peers | edges | page ready | frame ms during layout (mean / p95) | layout settles | idle frame ms (mean / p95) | new round every frame: frame ms (mean / p95) | recolour ms | sigma render ms |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(r);
