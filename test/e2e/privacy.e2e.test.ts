// Privacy in the live view: a run directory written here (32 peers whose membership AUCs are
// spread over 0.5..1 in an order unrelated to their ids or accuracies, and their epsilons),
// replayed by `plexus viz`. Coloured by membership leak, every peer must show the colour the
// scale gives its AUC (read from a screenshot); the legend, headline, chart key and peer card
// carry the figures; a run without privacy fields shows none of it.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIA_DOMAIN, NO_DATA_COLOR, palette, parseHex, LUT_SIZE } from '../../viz/page/src/colors.js';
import { checkPrerequisites, launchChromium, OUTPUT_DIR, runCli, type CliProcess } from './harness.js';
import { decodePng, pixelAt, type Image } from './png.js';

const PEERS = 32;
const ROUNDS = 4;
/** peers the attack did not evaluate (miaAuc null) */
const NOT_EVALUATED = [3, 20];
const DELTA = 1e-5;
const MAX_EPSILON = 2.3149;
/** a permutation of the peers (7 is prime to 32): AUC rank unrelated to id, degree or accuracy */
const rank = (i: number) => (i * 7) % PEERS;
const aucOf = (i: number, round: number) => (NOT_EVALUATED.includes(i) ? null : 0.5 + 0.5 * (round / ROUNDS) * (rank(i) / (PEERS - 1)));
const epsilonOf = (i: number, round: number) => ((0.5 + (MAX_EPSILON - 0.5) * (i / (PEERS - 1))) * round) / ROUNDS;

/** A run directory in the documented format; with `privacy`, the DP and membership-attack fields. */
function writeRun(dir: string, privacy: boolean): void {
  const edges: [number, number, number][] = [];
  for (let i = 0; i < PEERS; i++) for (const step of [1, 5]) edges.push([Math.min(i, (i + step) % PEERS), Math.max(i, (i + step) % PEERS), 0.2]);
  const topology = {
    n: PEERS,
    directed: false,
    mixing: 'metropolis',
    spectralGap: 0.1,
    slem: 0.9,
    components: [PEERS],
    evalPeers: Array.from({ length: PEERS }, (_, i) => i),
    nodes: Array.from({ length: PEERS }, (_, id) => ({ id, degree: 4, dataSize: 100, labelCounts: new Array(10).fill(10) })),
    edges,
  };
  const config = { name: 'privacy-fixture', ...(privacy ? { privacy: { dp: { clip: 1, noise: 1.1, delta: DELTA } }, eval: { privacy: true } } : {}) };
  writeFileSync(join(dir, 'topology.json'), JSON.stringify(topology));
  writeFileSync(join(dir, 'config.resolved.json'), JSON.stringify(config));
  const metrics: string[] = [];
  const peers: string[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const acc = 0.5 + 0.05 * round;
    const aucs = Array.from({ length: PEERS }, (_, i) => aucOf(i, round));
    const evaluated = aucs.filter((a): a is number => a !== null);
    const dp = privacy
      ? { epsilon: Math.max(...Array.from({ length: PEERS }, (_, i) => epsilonOf(i, round))), miaAuc: evaluated.reduce((a, b) => a + b, 0) / evaluated.length, miaAucMax: Math.max(...evaluated) }
      : {};
    metrics.push(JSON.stringify({ round, consensusDistance: 1 / round, bytesSent: 1000, roundSeconds: 0.1, meanAccuracy: acc, minAccuracy: acc - 0.02, maxAccuracy: acc + 0.02, meanLoss: 1 - acc, evaluatedPeers: PEERS, ...dp }));
    peers.push(
      JSON.stringify({
        round,
        // two accuracies only: a colouring that read accuracy could not give 30 different colours
        accuracy: Array.from({ length: PEERS }, (_, i) => acc + 0.02 * (i % 2)),
        loss: Array.from({ length: PEERS }, () => 1 - acc),
        distance: Array.from({ length: PEERS }, (_, i) => 0.01 * (1 + i)),
        bytesSent: Array.from({ length: PEERS }, () => round * 1000),
        ...(privacy ? { epsilon: Array.from({ length: PEERS }, (_, i) => epsilonOf(i, round)), miaAuc: aucs } : {}),
      }),
    );
  }
  writeFileSync(join(dir, 'metrics.jsonl'), metrics.join('\n') + '\n');
  writeFileSync(join(dir, 'peers.jsonl'), peers.join('\n') + '\n');
  const finals = privacy ? { finalEpsilon: MAX_EPSILON, finalMiaAuc: 0.75, finalMiaAucMax: 1 } : {};
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify({ config, finalMeanAccuracy: 0.7, finalMinAccuracy: 0.68, finalMaxAccuracy: 0.72, finalMeanLoss: 0.3, finalConsensusDistance: 0.25, rounds: ROUNDS, aborted: false, ...finals }),
  );
}

type OnScreen = { id: number; x: number; y: number; size: number; color: string } | null;
interface Hook {
  ready: boolean;
  state(): { finished: boolean; frames: number; round: number | null; metric: string; layoutSettled: boolean; playing: boolean };
  seekRound(round: number): void;
  select(peer: number | null): void;
  peersOnScreen(): OnScreen[];
}
const hook = (page: Page) => page.evaluate(() => (window as unknown as { __plexus: Hook }).__plexus.state());

/** The colour the membership-leak scale gives an AUC over the run's fixed range 0.5..1. */
function expectedMiaColor(auc: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, (auc - MIA_DOMAIN.min) / (MIA_DOMAIN.max - MIA_DOMAIN.min)));
  return parseHex(palette('inferno').colors[Math.round(t * (LUT_SIZE - 1))]);
}
const near = (got: number[], want: number[], tol: number) => got.every((v, c) => Math.abs(v - want[c]) <= tol);
const luminance = ([r, g, b]: number[]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

describe('privacy in the live view', () => {
  let browser: Browser;
  let root: string;
  const started: CliProcess[] = [];

  beforeAll(async () => {
    checkPrerequisites();
    browser = await launchChromium();
    root = mkdtempSync(join(tmpdir(), 'plexus-e2e-privacy-'));
    for (const name of ['private', 'plain']) {
      mkdirSync(join(root, name));
      writeRun(join(root, name), name === 'private');
    }
  }, 60000);

  afterAll(async () => {
    await Promise.all(started.map((p) => p.interrupt(2000)));
    await browser?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Serves a run directory and opens it on its last round, the layout settled. */
  async function open(dir: string, query = ''): Promise<{ page: Page; errors: string[] }> {
    const viz = runCli(['viz', join(root, dir), '--port', '0']);
    started.push(viz);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${await viz.url}?autoplay=0&round=${ROUNDS}${query}`);
    await page.waitForFunction(() => (window as unknown as { __plexus?: Hook }).__plexus?.ready === true, null, { timeout: 30000 });
    await page.waitForFunction(
      (n) => {
        const s = (window as unknown as { __plexus: Hook }).__plexus.state();
        return s.finished && s.frames === n && s.round === n && s.layoutSettled;
      },
      ROUNDS,
      { timeout: 90000 },
    );
    return { page, errors };
  }

  /** A screenshot after two animation frames, so sigma has drawn the colouring just chosen. */
  async function shot(page: Page, file: string): Promise<Image> {
    await page.evaluate(() => new Promise<void>((res) => requestAnimationFrame(() => requestAnimationFrame(() => res()))));
    return decodePng(await page.screenshot({ path: join(OUTPUT_DIR, file) }));
  }

  it('colours peers by their membership AUC on a 0.5..1 scale, with its legend and the round’s epsilon', async () => {
    const { page, errors } = await open('private');
    expect(await page.isVisible('#privacy-picker')).toBe(true);
    await page.click('#privacy-picker button[data-metric="miaAuc"]');
    await expect.poll(async () => (await hook(page)).metric).toBe('miaAuc');
    // peer 9 has the largest AUC (1): wait until the page has coloured it so
    const full = palette('inferno').colors[LUT_SIZE - 1];
    await expect.poll(() => page.evaluate(() => (window as unknown as { __plexus: { colorOf(p: number): string } }).__plexus.colorOf(9))).toBe(full);
    expect(await page.getAttribute('#legend', 'data-metric')).toBe('miaAuc');

    const png = await shot(page, 'viz-privacy-mia.png');
    const peers: OnScreen[] = await page.evaluate(() => (window as unknown as { __plexus: Hook }).__plexus.peersOnScreen());
    const inside = peers.filter((p): p is NonNullable<OnScreen> => p !== null && p.x >= 0 && p.y >= 0 && p.x < png.width && p.y < png.height);
    expect(inside.length).toBe(PEERS);
    const matches = (group: NonNullable<OnScreen>[], want: (id: number) => number[]) => group.filter((p) => near(pixelAt(png, p.x, p.y), want(p.id), 12)).length;
    const evaluated = inside.filter((p) => aucOf(p.id, ROUNDS) !== null);
    const high = evaluated.filter((p) => aucOf(p.id, ROUNDS)! > 0.85);
    const low = evaluated.filter((p) => aucOf(p.id, ROUNDS)! < 0.65);
    expect(high.length).toBeGreaterThan(5);
    expect(low.length).toBeGreaterThan(5);
    // every peer shows the colour of its own AUC (a label or a neighbour may cover a few centres)
    const want = (id: number) => expectedMiaColor(aucOf(id, ROUNDS)!);
    expect(matches(evaluated, want) / evaluated.length).toBeGreaterThan(0.85);
    expect(matches(high, want) / high.length).toBeGreaterThan(0.8);
    expect(matches(low, want) / low.length).toBeGreaterThan(0.8);
    // and independently of the palette's table: leaky peers are drawn brighter than safe ones
    const meanLum = (group: NonNullable<OnScreen>[]) => group.reduce((a, p) => a + luminance(pixelAt(png, p.x, p.y)), 0) / group.length;
    expect(meanLum(high)).toBeGreaterThan(meanLum(low) + 60);
    // peers the attack did not evaluate are grey
    const grey = parseHex(NO_DATA_COLOR);
    expect(inside.filter((p) => NOT_EVALUATED.includes(p.id) && near(pixelAt(png, p.x, p.y), grey, 12)).length).toBeGreaterThanOrEqual(NOT_EVALUATED.length - 1);

    // the legend: the scale's ends drawn in its colours, ticks from 0.50 to 1.00, the round's guarantee
    const bar = (await page.locator('#legend .legend-bar').boundingBox())!;
    const y = bar.y + bar.height / 2;
    expect(near(pixelAt(png, bar.x + 1, y), expectedMiaColor(0.5), 16)).toBe(true);
    expect(near(pixelAt(png, bar.x + bar.width - 2, y), expectedMiaColor(1), 16)).toBe(true);
    const ticks = await page.$$eval('#legend .legend-ticks span', (els) => els.map((e) => e.textContent));
    expect(ticks).toEqual(['0.50', '0.63', '0.75', '0.88', '1.00']);
    const legend = await page.textContent('#legend');
    expect(legend).toContain('0.5 = no leak, 1 = full leak');
    expect(legend).toContain('ε = 2.31 at δ = 1e-5');
    expect(await page.textContent('#headline')).toMatch(/membership AUC 0\.\d\d \(max 1\.00\)/);
    expect(await page.isVisible('#k-mia')).toBe(true);
    expect(await page.isVisible('#k-eps')).toBe(true);

    // the peer card: the peer's own AUC and epsilon
    const peer = 5;
    await page.evaluate((p) => (window as unknown as { __plexus: Hook }).__plexus.select(p), peer);
    const card = await page.textContent('#peer');
    expect(card).toContain(`membership AUC${aucOf(peer, ROUNDS)!.toFixed(2)}`);
    expect(card).toContain(`ε${epsilonOf(peer, ROUNDS).toFixed(2)}`);
    await page.evaluate(() => (window as unknown as { __plexus: Hook }).__plexus.select(null));

    // key 6 colours by each peer's epsilon: the peer with the largest is at the bright end
    await page.keyboard.press('6');
    await expect.poll(async () => (await hook(page)).metric).toBe('epsilon');
    const eps = await shot(page, 'viz-privacy-epsilon.png');
    const top = inside.find((p) => p.id === PEERS - 1)!;
    expect(near(pixelAt(eps, top.x, top.y), parseHex(palette('plasma').colors[LUT_SIZE - 1]), 12)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 180000);

  it('shows nothing of privacy for a run without its fields', async () => {
    const { page, errors } = await open('plain', '&metric=miaAuc');
    // asked for by URL, the membership colouring falls back to accuracy when the run has no AUCs
    await expect.poll(async () => (await hook(page)).metric).toBe('accuracy');
    expect(await page.isVisible('#privacy-picker')).toBe(false);
    expect(await page.isVisible('#k-mia')).toBe(false);
    expect(await page.isVisible('#k-eps')).toBe(false);
    const text = await page.innerText('body');
    expect(text).not.toContain('ε =');
    expect(text).not.toContain('membership AUC');
    await page.keyboard.press('5');
    expect((await hook(page)).metric).toBe('accuracy');
    expect(errors).toEqual([]);
    await page.close();
  }, 120000);
});
