// Privacy in the live view, from a run the engine really wrote: 24 peers on few examples each,
// many local steps and no gossip (so they memorise), under DP-SGD with the membership attack on.
// Replayed by `plexus viz`: key 5 must colour every peer by its own AUC in peers.jsonl (read from
// a screenshot), the legend must carry the last metrics line's epsilon, the peer card its figures.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { formatEpsilon, LUT_SIZE, MIA_DOMAIN, palette, parseHex } from '../../viz/page/src/colors.js';
import { browserSession, OUTPUT_DIR } from './harness.js';
import { decodePng, pixelAt } from './png.js';

const ROUNDS = 6;
const EVERY = 3;
const DELTA = 1e-5;
/** measured with seed 5: final per-peer AUCs from 0.57 to 0.78, epsilon 70.3 */
const CONFIG = {
  name: 'privacy-run',
  seed: 5,
  peers: 24,
  rounds: ROUNDS,
  topology: { kind: 'ring', k: 2 },
  protocol: 'local',
  data: { dataset: { kind: 'blobs', classes: 4, features: 32, trainSize: 2000, testSize: 400, separation: 1 }, examplesPerPeer: 32 },
  model: { kind: 'mlp', hidden: [128], init: 'independent' },
  train: { lr: 0.2, batchSize: 16, localSteps: 20 },
  privacy: { dp: { clip: 1, noise: 0.8, delta: DELTA } },
  eval: { every: EVERY, testExamples: 400, privacy: true },
};

type Peer = { id: number; x: number; y: number; size: number; color: string } | null;
/** Calls a method of the page's test hook, window.__plexus. */
const call = <T>(page: Page, method: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(([m, a]) => (window as unknown as { __plexus: Record<string, (...x: unknown[]) => unknown> }).__plexus[m](...a), [method, args] as const) as Promise<T>;
const readLines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
/** The membership scale's colour for an AUC: the page's fixed range 0.5..1 on inferno. */
const miaHex = (auc: number) => palette('inferno').colors[Math.round(Math.min(1, Math.max(0, (auc - MIA_DOMAIN.min) / (MIA_DOMAIN.max - MIA_DOMAIN.min))) * (LUT_SIZE - 1))];
const close = (got: number[], want: number[]) => got.every((v, c) => Math.abs(v - want[c]) <= 12);
const lum = ([r, g, b]: number[]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

describe('privacy in the live view, on a run the engine wrote', () => {
  const session = browserSession('plexus-e2e-privacy-run-');

  it('colours peers by their real membership AUCs and shows the run’s epsilon at its delta', async () => {
    const runDir = join(session.dir, 'run');
    writeFileSync(join(session.dir, 'config.json'), JSON.stringify(CONFIG));
    const run = session.start(['run', join(session.dir, 'config.json'), '--out', runDir, '--quiet', '--workers', '0']);
    expect(await run.exited, run.stderr()).toBe(0);

    const epsilon = readLines(join(runDir, 'metrics.jsonl')).at(-1).epsilon as number;
    const last = readLines(join(runDir, 'peers.jsonl')).at(-1) as { round: number; miaAuc: number[]; epsilon: number[] };
    expect(last.round).toBe(ROUNDS);
    expect(last.miaAuc.every((a) => typeof a === 'number')).toBe(true);
    const byAuc = last.miaAuc.map((auc, id) => ({ id, auc })).sort((a, b) => a.auc - b.auc);
    const [low, high] = [byAuc[0], byAuc[byAuc.length - 1]];
    // the attack must have found something, unevenly, or a page colouring every peer alike would pass
    expect(high.auc).toBeGreaterThan(0.65);
    expect(high.auc - low.auc).toBeGreaterThan(0.1);
    console.log(`privacy run: epsilon ${epsilon}, AUC low peer ${low.id} ${low.auc}, high peer ${high.id} ${high.auc}`);

    const viz = session.start(['viz', runDir, '--port', '0']);
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    await page.goto(`${await viz.url}?autoplay=0&round=${ROUNDS}`);
    // software WebGL on a busy machine: wait for both evaluation frames, the last round and a settled layout
    await page.waitForFunction(
      ({ rounds, frames }) => {
        const p = (window as unknown as { __plexus?: { ready: boolean; state(): Record<string, unknown> } }).__plexus;
        const s = p?.ready ? p.state() : null;
        return s !== null && s.finished === true && s.frames === frames && s.round === rounds && s.layoutSettled === true;
      },
      { rounds: ROUNDS, frames: ROUNDS / EVERY },
      { timeout: 90000 },
    );

    expect(await page.isVisible('#privacy-picker')).toBe(true);
    expect(await page.textContent('#legend')).toContain(`ε = ${formatEpsilon(epsilon)} at δ = 1e-5`);

    await page.keyboard.press('5');
    await expect.poll(async () => (await call<{ metric: string }>(page, 'state')).metric, { timeout: 15000 }).toBe('miaAuc');
    await expect.poll(() => call<string>(page, 'colorOf', high.id), { timeout: 15000 }).toBe(miaHex(high.auc));
    await page.evaluate(() => new Promise<void>((res) => requestAnimationFrame(() => requestAnimationFrame(() => res()))));
    const png = decodePng(await page.screenshot({ path: join(OUTPUT_DIR, 'viz-privacy-run.png') }));
    const onScreen = (await call<Peer[]>(page, 'peersOnScreen')).filter((p): p is NonNullable<Peer> => p !== null && p.x >= 0 && p.y >= 0 && p.x < png.width && p.y < png.height);
    expect(onScreen.length).toBe(CONFIG.peers);
    const pixel = (id: number) => {
      const p = onScreen.find((q) => q.id === id)!;
      return pixelAt(png, p.x, p.y);
    };
    const want = (id: number) => parseHex(miaHex(last.miaAuc[id]));
    // the most and least leaky peers each wear their own AUC's colour, not the other's
    expect(close(pixel(high.id), want(high.id)), `peer ${high.id} (AUC ${high.auc}) shows ${pixel(high.id)}`).toBe(true);
    expect(close(pixel(low.id), want(low.id)), `peer ${low.id} (AUC ${low.auc}) shows ${pixel(low.id)}`).toBe(true);
    expect(close(pixel(high.id), want(low.id))).toBe(false);
    expect(lum(pixel(high.id))).toBeGreaterThan(lum(pixel(low.id)) + 40);
    // and so do nearly all the others (a neighbour may cover a centre)
    expect(onScreen.filter((p) => close(pixelAt(png, p.x, p.y), want(p.id))).length).toBeGreaterThanOrEqual(CONFIG.peers - 2);

    await call(page, 'select', high.id);
    const card = await page.textContent('#peer');
    expect(card).toContain(`membership AUC${high.auc.toFixed(2)}`);
    expect(card).toContain(`ε${formatEpsilon(last.epsilon[high.id])}`);
    expect(errors).toEqual([]);
    await page.close();
  }, 120000);
});
