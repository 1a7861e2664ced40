// Attackers in the live view: a finished run with three adversaries, replayed by `plexus viz`.
// The legend must say how many attackers there are and every attacker must wear a red ring on
// screen (read from a screenshot), honest peers not.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPrerequisites, launchChromium, OUTPUT_DIR, runCli, type CliProcess } from './harness.js';
import { decodePng, pixelAt } from './png.js';

const CONFIG = 'test/e2e/fixtures/viz-adversaries.yaml';
const ADVERSARIES = [5, 17, 30];
const RING = [0xff, 0x4d, 0x6d]; // ADVERSARIAL_COLOR in viz/page/src/colors.ts

type Peer = { id: number; x: number; y: number; size: number; color: string } | null;

describe('attackers in the live view', () => {
  let browser: Browser;
  let runDir: string;
  const started: CliProcess[] = [];

  beforeAll(async () => {
    checkPrerequisites();
    browser = await launchChromium();
    runDir = join(mkdtempSync(join(tmpdir(), 'plexus-e2e-adv-')), 'run');
  }, 60000);

  afterAll(async () => {
    await Promise.all(started.map((p) => p.interrupt(2000)));
    await browser?.close();
    if (runDir) rmSync(join(runDir, '..'), { recursive: true, force: true });
  });

  it('rings every attacker in red and counts them in the legend', async () => {
    const run = runCli(['run', CONFIG, '--out', runDir, '--quiet', '--workers', '0']);
    started.push(run);
    expect(await run.exited, run.stderr()).toBe(0);
    const viz = runCli(['viz', runDir, '--port', '0']);
    started.push(viz);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(await viz.url);
    await page.waitForFunction(() => (window as any).__plexus?.ready === true, null, { timeout: 30000 });
    await page.waitForFunction(() => (window as any).__plexus.state().finished && (window as any).__plexus.state().layoutSettled, null, { timeout: 60000 });
    await page.waitForFunction(() => !(window as any).__plexus.state().playing, null, { timeout: 60000 });
    expect(await page.textContent('#legend')).toContain('adversarial: 3 attackers');

    const png = decodePng(await page.screenshot({ path: join(OUTPUT_DIR, 'viz-adversaries.png') }));
    const peers: Peer[] = await page.evaluate(() => (window as any).__plexus.peersOnScreen());
    /** how many of 16 points on the circle where the ring is drawn show the ring's colour */
    const ringHits = (p: NonNullable<Peer>) => {
      let hits = 0;
      for (let k = 0; k < 16; k++) {
        const a = (k / 16) * 2 * Math.PI;
        const r = p.size + 3;
        const x = Math.round(p.x + r * Math.cos(a)), y = Math.round(p.y + r * Math.sin(a));
        if (x < 0 || y < 0 || x >= png.width || y >= png.height) continue;
        const got = pixelAt(png, x, y);
        if (got.every((v, c) => Math.abs(v - RING[c]) <= 40)) hits++;
      }
      return hits;
    };
    const ringed = peers.map((p) => (p ? ringHits(p) >= 6 : false));
    for (const a of ADVERSARIES) expect(ringed[a], `attacker ${a} has a red ring`).toBe(true);
    const honestRinged = ringed.filter((r, i) => r && !ADVERSARIES.includes(i)).length;
    expect(honestRinged).toBeLessThanOrEqual(2); // a neighbour's ring may cross an honest peer's circle
    expect(errors).toEqual([]);
    await page.close();
  }, 180000);
});
