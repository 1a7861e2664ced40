// The live view in a real browser: a short real run with --viz, watched while it learns,
// then replayed from its timeline, then replayed again by `plexus viz`.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPrerequisites, launchChromium, OUTPUT_DIR, runCli, type CliProcess } from './harness.js';
import { decodePng, pixelAt } from './png.js';

const CONFIG = 'test/e2e/fixtures/viz-live.yaml';
const PEERS = 96;

interface HookState {
  round: number | null;
  index: number;
  frames: number;
  rounds: number[];
  finished: boolean;
  follow: boolean;
  playing: boolean;
  selected: number | null;
  layoutSettled: boolean;
}

type Hook = {
  ready: boolean;
  nodeCount: number;
  edgeCount: number;
  renderedNodeCount(): number;
  state(): HookState;
  colors(): string[];
  layoutPositions(): [number, number][];
  peersOnScreen(): ({ id: number; x: number; y: number; size: number; color: string } | null)[];
  probePixels(): { checked: number; matched: number; offscreen: number };
  pause(): void;
};

declare global {
  interface Window {
    __plexus?: Hook;
  }
}

const state = (page: Page) => page.evaluate(() => window.__plexus!.state());
const colors = (page: Page) => page.evaluate(() => window.__plexus!.colors());
/** The round on screen and its colours, read together once the frames pending have been drawn. */
const drawnRound = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<{ round: number | null; colors: string[] }>((res) =>
        requestAnimationFrame(() => requestAnimationFrame(() => res({ round: window.__plexus!.state().round, colors: window.__plexus!.colors() }))),
      ),
  );
const fractionChanged = (a: string[], b: string[]) => a.filter((c, i) => c !== b[i]).length / a.length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(url);
  await page.waitForFunction(() => window.__plexus?.ready === true, null, { timeout: 30000 });
  return page;
}

/** Screenshot pixels at each peer's centre that show the colour sigma was told to draw. */
async function screenshotMatches(page: Page, file: string): Promise<{ checked: number; matched: number }> {
  const png = await page.screenshot({ path: join(OUTPUT_DIR, file) });
  const img = decodePng(png);
  const peers = await page.evaluate(() => window.__plexus!.peersOnScreen());
  let checked = 0;
  let matched = 0;
  for (const p of peers) {
    if (!p || p.x < 0 || p.y < 0 || p.x >= img.width || p.y >= img.height) continue;
    checked++;
    const want = parseInt(p.color.slice(1, 7), 16);
    const got = pixelAt(img, p.x, p.y);
    const close = [(want >> 16) & 255, (want >> 8) & 255, want & 255].every((v, k) => Math.abs(v - got[k]) <= 12);
    if (close) matched++;
  }
  return { checked, matched };
}

describe('the live view in Chromium', () => {
  let browser: Browser;
  let runDir: string;
  let cli: CliProcess | undefined;
  /** every process a test started, so a failed test leaves none running */
  const started: CliProcess[] = [];
  const start = (args: string[]) => {
    const p = runCli(args);
    started.push(p);
    return p;
  };
  let liveLayout: [number, number][] = [];

  beforeAll(async () => {
    checkPrerequisites();
    browser = await launchChromium();
    runDir = mkdtempSync(join(tmpdir(), 'plexus-e2e-'));
  }, 60000);

  afterAll(async () => {
    await Promise.all(started.map((p) => p.interrupt(2000)));
    await browser?.close();
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  });

  it('follows a real run with --viz: every peer drawn, colours changing as rounds arrive, timeline replaying', async () => {
    // paced to 150 rounds/s (16 s at least): on a busy machine the software-rendered page must still see it live
    cli = start(['run', CONFIG, '--out', runDir, '--viz', '--port', '0', '--pace', '150', '--quiet', '--workers', '1']);
    const url = await cli.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await openPage(browser, url);

    const hook = await page.evaluate(() => ({ nodeCount: window.__plexus!.nodeCount, edgeCount: window.__plexus!.edgeCount }));
    const topology = JSON.parse(readFileSync(join(runDir, 'topology.json'), 'utf8')) as { n: number; edges: unknown[] };
    expect(hook.nodeCount).toBe(PEERS);
    expect(topology.n).toBe(PEERS);
    expect(hook.edgeCount).toBe(topology.edges.length);
    expect(await page.evaluate(() => window.__plexus!.renderedNodeCount())).toBe(PEERS);

    // live: sample the colours of each new round while the run is still going
    const live: { round: number; colors: string[] }[] = [];
    for (let t0 = Date.now(); Date.now() - t0 < 90000; await sleep(100)) {
      const s = await state(page);
      if (s.finished) break;
      if (s.round !== null && s.round !== live[live.length - 1]?.round) {
        expect(s.follow).toBe(true);
        // colours are applied on the next animation frame: a loaded machine may not have drawn them yet
        const drawn = await drawnRound(page);
        if (drawn.round === null || drawn.round === live[live.length - 1]?.round) continue;
        live.push({ round: drawn.round, colors: drawn.colors });
        if (live.length === 3) await page.screenshot({ path: join(OUTPUT_DIR, 'viz-live.png') });
      }
    }
    writeFileSync(join(OUTPUT_DIR, 'viz-live-rounds.json'), JSON.stringify(live.map((l) => l.round)) + '\n');
    expect(live.length, `rounds seen while the run was live: ${live.map((l) => l.round)}`).toBeGreaterThanOrEqual(2);
    expect(live.map((l) => l.round)).toEqual([...live.map((l) => l.round)].sort((a, b) => a - b));
    expect(await page.textContent('#status')).toMatch(/live|finished/);
    expect(fractionChanged(live[0].colors, live[live.length - 1].colors)).toBeGreaterThan(0.1);

    await page.waitForFunction(() => window.__plexus!.state().finished, null, { timeout: 90000 });
    expect(await page.textContent('#status')).toMatch(/finished/);
    const done = await state(page);
    const peersLines = readFileSync(join(runDir, 'peers.jsonl'), 'utf8').trim().split('\n');
    expect(done.frames).toBe(peersLines.length);
    expect(done.round).toBe(JSON.parse(peersLines[peersLines.length - 1]).round);

    // the canvas really holds every peer in its colour
    await page.waitForFunction(() => window.__plexus!.state().layoutSettled, null, { timeout: 60000 });
    liveLayout = await page.evaluate(() => window.__plexus!.layoutPositions());
    const probe = await page.evaluate(() => window.__plexus!.probePixels());
    expect(probe.checked).toBe(PEERS);
    expect(probe.matched / probe.checked).toBeGreaterThan(0.9);
    const shot = await screenshotMatches(page, 'viz-final.png');
    expect(shot.checked).toBe(PEERS);
    expect(shot.matched / shot.checked).toBeGreaterThan(0.8);

    // the timeline replays: back to the start, play, watch the rounds go by
    await page.keyboard.press('Home');
    await page.waitForFunction(() => window.__plexus!.state().index === 0);
    // colours are applied on the next animation frame
    await page.evaluate(() => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res))));
    const first = await colors(page);
    await page.selectOption('#tl-speed', '30');
    await page.click('#tl-play');
    const visited: number[] = [];
    await expect.poll(async () => (await state(page)).playing).toBe(true);
    for (let t0 = Date.now(); Date.now() - t0 < 60000; await sleep(50)) {
      const s = await state(page);
      if (s.round !== null && s.round !== visited[visited.length - 1]) visited.push(s.round);
      if (!s.playing) break;
    }
    expect(visited.length).toBeGreaterThan(5);
    expect(visited).toEqual([...visited].sort((a, b) => a - b));
    expect(visited[visited.length - 1]).toBe(done.round);
    expect(fractionChanged(first, await colors(page))).toBeGreaterThan(0.1);
    await page.keyboard.press('Home');
    await page.waitForFunction(() => window.__plexus!.state().index === 0);
    // replaying is deterministic (colours are applied on the next animation frame)
    await expect.poll(() => colors(page), { timeout: 5000 }).toEqual(first);

    // clicking a peer pins it and shows its card
    await page.keyboard.press('End');
    const target = (await page.evaluate(() => window.__plexus!.peersOnScreen()))[5]!;
    await page.mouse.click(target.x, target.y);
    await expect.poll(async () => (await state(page)).selected).not.toBeNull();
    const picked = (await state(page)).selected!;
    const card = await page.textContent('#peer');
    expect(card).toContain(`Peer ${picked}`);
    expect(card).toMatch(/Neighbours \(\d+\)/);
    expect(card).toContain('Label mix');
    await page.screenshot({ path: join(OUTPUT_DIR, 'viz-peer.png') });

    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
    expect(await cli.interrupt()).toBe(0);
    cli = undefined;
  }, 240000);

  it('replays the finished run with `plexus viz` from its files alone', async () => {
    cli = start(['viz', runDir, '--port', '0']);
    const url = await cli.url;
    const page = await openPage(browser, url);
    expect(await page.evaluate(() => window.__plexus!.nodeCount)).toBe(PEERS);
    await page.waitForFunction(() => window.__plexus!.state().finished, null, { timeout: 30000 });
    expect(await page.textContent('#status')).toMatch(/replay/);
    // a replay plays itself from the first round to the last
    const rounds: number[] = [];
    for (let t0 = Date.now(); Date.now() - t0 < 60000; await sleep(50)) {
      const s = await state(page);
      if (s.round !== null && s.round !== rounds[rounds.length - 1]) rounds.push(s.round);
      if (!s.playing && rounds.length > 1) break;
    }
    expect(rounds.length).toBeGreaterThan(5);
    expect(rounds[rounds.length - 1]).toBe((await state(page)).rounds.at(-1));
    // the layout is a function of the topology alone: the replay lands where the live view did
    await page.waitForFunction(() => window.__plexus!.state().layoutSettled, null, { timeout: 60000 });
    expect(liveLayout).toHaveLength(PEERS);
    expect(await page.evaluate(() => window.__plexus!.layoutPositions())).toEqual(liveLayout);
    await page.screenshot({ path: join(OUTPUT_DIR, 'viz-replay.png') });
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
    expect(await cli.interrupt()).toBe(0);
    cli = undefined;
  }, 120000);

  it('`plexus run --viz` on a busy port exits 2 with one clear line and creates no run directory', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const out = join(mkdtempSync(join(tmpdir(), 'plexus-e2e-busy-')), 'run');
    try {
      const p = start(['run', CONFIG, '--out', out, '--viz', '--port', String(port), '--quiet']);
      expect(await p.exited).toBe(2);
      expect(p.stderr()).toContain(`plexus: --port: ${port} is in use; choose another or 0 for a free one\n`);
      expect(p.stderr()).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(out)).toBe(false);
    } finally {
      blocker.close();
    }
  }, 60000);

  it('`plexus viz` on a folder that is not a run exits 2 and says why', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'plexus-e2e-empty-'));
    writeFileSync(join(empty, 'notes.txt'), 'not a run');
    const p = start(['viz', empty]);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(/not a run directory/);
    rmSync(empty, { recursive: true, force: true });
  }, 30000);
});
