// Plasticity in the live view: a run directory written here (48 peers in 4 clusters, a random
// graph at the first round whose links become within-cluster by the last), replayed by
// `plexus viz`. Peers are coloured by cluster, the drawn edges are exactly each round's
// in-links, and ForceAtlas2 follows the links until the clusters sit together.

import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPrerequisites, launchChromium, OUTPUT_DIR, runCli, type CliProcess } from './harness.js';
import { decodePng, pixelAt } from './png.js';

const PEERS = 48;
const CLUSTERS = 4;
const ROUNDS = 10;
/** a round whose inLinks also hold malformed entries, which the page must skip */
const MALFORMED_ROUND = 5;
const clusterOf = (i: number) => i % CLUSTERS; // interleaved, so the starting circle mixes them
/** clusterColor(0..3) in viz/page/src/colors.ts */
const CLUSTER_RGB = [0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2].map((c) => [(c >> 16) & 255, (c >> 8) & 255, c & 255]);

type Link = [from: number, strength: number];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each round's in-links: 2 to 5 per peer, drawn from the own cluster with a probability rising from 0 to 1. */
function generateLinks(seed: number): Link[][][] {
  const rand = mulberry32(seed);
  const rounds: Link[][][] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const within = (r - 1) / (ROUNDS - 1);
    const perPeer: Link[][] = [];
    for (let i = 0; i < PEERS; i++) {
      const degree = 2 + Math.floor(rand() * 4);
      const from = new Set<number>();
      while (from.size < degree) {
        let j: number;
        if (rand() < within) j = clusterOf(i) + CLUSTERS * Math.floor(rand() * (PEERS / CLUSTERS));
        else j = Math.floor(rand() * PEERS);
        if (j !== i) from.add(j);
      }
      const w = [...from].map(() => 0.2 + rand());
      const total = w.reduce((a, b) => a + b, 0);
      perPeer.push([...from].map((j, k) => [j, (0.8 * w[k]) / total]));
    }
    rounds.push(perPeer);
  }
  return rounds;
}

/** A run directory in the documented format, with clusters and plasticity: the first `upTo` rounds, and summary.json when `upTo` is all of them. */
function writeRun(dir: string, links: Link[][][], upTo = ROUNDS): void {
  const first = links[0];
  const pairs = new Set<string>();
  const edges: [number, number, number][] = [];
  first.forEach((list, i) =>
    list.forEach(([j]) => {
      const u = Math.min(i, j);
      const v = Math.max(i, j);
      if (pairs.has(`${u}-${v}`)) return;
      pairs.add(`${u}-${v}`);
      edges.push([u, v, 0.2]);
    }),
  );
  const degree = new Array<number>(PEERS).fill(0);
  for (const [u, v] of edges) (degree[u]++, degree[v]++);
  const topology = {
    n: PEERS,
    directed: false,
    mixing: 'metropolis',
    spectralGap: null,
    slem: null,
    components: [PEERS],
    evalPeers: Array.from({ length: PEERS }, (_, i) => i),
    nodes: Array.from({ length: PEERS }, (_, id) => ({ id, degree: degree[id], dataSize: 100, labelCounts: new Array(10).fill(10), cluster: clusterOf(id) })),
    edges,
    clusters: { count: CLUSTERS, transform: 'rotate' },
    plasticity: 'hebbian',
  };
  writeFileSync(join(dir, 'topology.json'), JSON.stringify(topology));
  writeFileSync(join(dir, 'config.resolved.json'), JSON.stringify({ name: 'plasticity-fixture' }));
  const metrics: string[] = [];
  const peers: string[] = [];
  links.forEach((perPeer, k) => {
    const round = k + 1;
    const purity = perPeer.reduce((a, list, i) => a + list.filter(([j]) => clusterOf(j) === clusterOf(i)).reduce((s, [, w]) => s + w, 0) / 0.8, 0) / PEERS;
    const inDegree = perPeer.reduce((a, l) => a + l.length, 0) / PEERS;
    const acc = 0.3 + 0.05 * round;
    metrics.push(JSON.stringify({ round, consensusDistance: 1 / round, bytesSent: 1000, roundSeconds: 0.1, meanAccuracy: acc, minAccuracy: acc - 0.1, maxAccuracy: acc + 0.1, clusterPurity: purity, meanInDegree: inDegree, linksGrown: round * 3, linksPruned: round * 2 }));
    const inLinks: unknown[] = perPeer.map((l) => [...l]);
    if (round === MALFORMED_ROUND) {
      inLinks[0] = [...perPeer[0], [999, 0.5], [3, 'x'], 'oops', [0, 0.1]];
      inLinks[1] = [...perPeer[1], null, [1, 0.2], [-1, 0.1]];
    }
    peers.push(
      JSON.stringify({
        round,
        accuracy: Array.from({ length: PEERS }, (_, i) => acc + 0.01 * (i % 5)),
        loss: Array.from({ length: PEERS }, () => 1 - acc),
        distance: Array.from({ length: PEERS }, (_, i) => 0.01 * (1 + i)),
        bytesSent: Array.from({ length: PEERS }, () => round * 1000),
        cluster: Array.from({ length: PEERS }, (_, i) => clusterOf(i)),
        inLinks,
      }),
    );
  });
  writeFileSync(join(dir, 'metrics.jsonl'), metrics.slice(0, upTo).join('\n') + '\n');
  writeFileSync(join(dir, 'peers.jsonl'), peers.slice(0, upTo).join('\n') + '\n');
  for (let k = upTo; k < ROUNDS; k++) appends.push(() => (appendFileSync(join(dir, 'metrics.jsonl'), metrics[k] + '\n'), appendFileSync(join(dir, 'peers.jsonl'), peers[k] + '\n')));
  const finish = () =>
    writeFileSync(
    join(dir, 'summary.json'),
      JSON.stringify({ config: { name: 'plasticity-fixture' }, finalMeanAccuracy: 0.8, finalMinAccuracy: 0.7, finalMaxAccuracy: 0.9, finalMeanLoss: 0.2, finalConsensusDistance: 0.1, rounds: ROUNDS, aborted: false }),
    );
  if (upTo === ROUNDS) finish();
  else appends.push(finish);
}
/** What writeRun left to write, in order: a round each, then summary.json. */
const appends: (() => void)[] = [];

interface Hook {
  ready: boolean;
  state(): { finished: boolean; frames: number; round: number | null; metric: string; layoutSettled: boolean; playing: boolean };
  seekRound(round: number): void;
  select(peer: number | null): void;
  drawnEdgeCount(): number;
  frameLinkCount(): number | null;
  drawnEdges(): [number, number, number][];
  layoutPositions(): [number, number][];
  peersOnScreen(): ({ id: number; x: number; y: number; size: number; color: string } | null)[];
  probePixels(): { checked: number; matched: number; offscreen: number };
}
type Method = { [K in keyof Hook]: Hook[K] extends (...a: never[]) => unknown ? K : never }[keyof Hook];
/** Calls a method of window.__plexus in the page. */
const call = <M extends Method>(page: Page, method: M, ...args: Parameters<Hook[M]>) =>
  page.evaluate(([m, a]) => (window as unknown as { __plexus: Record<string, (...x: unknown[]) => unknown> }).__plexus[m](...a), [method, args] as const) as Promise<
    Awaited<ReturnType<Hook[M]>>
  >;
/** Seeks, then waits two animation frames so that sigma has drawn the new edges. */
const seek = (page: Page, round: number) =>
  page.evaluate(
    (r) =>
      new Promise<void>((res) => {
        (window as unknown as { __plexus: Hook }).__plexus.seekRound(r);
        requestAnimationFrame(() => requestAnimationFrame(() => res()));
      }),
    round,
  );

/** Mean distance between peers of the same cluster and between peers of different clusters. */
function clusterDistances(xy: [number, number][]): { within: number; between: number } {
  let w = 0, wn = 0, b = 0, bn = 0;
  for (let i = 0; i < xy.length; i++)
    for (let j = i + 1; j < xy.length; j++) {
      const d = Math.hypot(xy[i][0] - xy[j][0], xy[i][1] - xy[j][1]);
      if (clusterOf(i) === clusterOf(j)) (w += d, wn++);
      else (b += d, bn++);
    }
  return { within: w / wn, between: b / bn };
}

describe('plasticity in the live view', () => {
  let browser: Browser;
  let root: string;
  const started: CliProcess[] = [];
  const links = generateLinks(12);
  /** the last round's layout in the replay, for the live view to match */
  let replayLayout: [number, number][] = [];
  const linkCount = (round: number) => links[round - 1].reduce((a, l) => a + l.length, 0);

  beforeAll(async () => {
    checkPrerequisites();
    browser = await launchChromium();
    root = mkdtempSync(join(tmpdir(), 'plexus-e2e-plastic-'));
    writeRun(root, links);
  }, 60000);

  afterAll(async () => {
    await Promise.all(started.map((p) => p.interrupt(2000)));
    await browser?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function open(url: string, frames = ROUNDS): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${url}?autoplay=0`);
    await page.waitForFunction(() => (window as unknown as { __plexus?: Hook }).__plexus?.ready === true, null, { timeout: 30000 });
    await page.waitForFunction(([n, all]) => {
      const s = (window as unknown as { __plexus: Hook }).__plexus.state();
      return s.frames === n && (s.finished || n < all);
    }, [frames, ROUNDS], { timeout: 30000 });
    return { page, errors };
  }

  /** Visits the rounds in turn, reading the drawn edges at each; ends when the layout has settled on the last. */
  async function walk(page: Page, path: number[]): Promise<{ counts: [number, number | null, number][]; first: string[]; last: string[]; xy: [number, number][] }> {
    const counts: [number, number | null, number][] = [];
    const edgeSet = () => call(page, 'drawnEdges').then((e) => e.map(([s, t]) => `${s}>${t}`).sort());
    let first: string[] = [];
    for (const round of path) {
      await seek(page, round);
      await expect.poll(() => call(page, 'drawnEdgeCount'), { timeout: 10000 }).toBe(linkCount(round));
      counts.push([await call(page, 'drawnEdgeCount'), await call(page, 'frameLinkCount'), linkCount(round)]);
      if (round === 1) first = await edgeSet();
    }
    const last = await edgeSet();
    await page.waitForFunction(() => (window as unknown as { __plexus: Hook }).__plexus.state().layoutSettled, null, { timeout: 90000 });
    return { counts, first, last, xy: await call(page, 'layoutPositions') };
  }

  it('colours peers by cluster, draws each round’s in-links and pulls the clusters together', async () => {
    const viz = runCli(['viz', root, '--port', '0']);
    started.push(viz);
    const url = await viz.url;
    const { page, errors } = await open(url);

    // a run with plasticity and clusters opens coloured by cluster, the legend listing each one
    expect((await call(page, 'state')).metric).toBe('cluster');
    expect(await page.isVisible('#metric-picker button[data-metric="cluster"]')).toBe(true);
    const keys = await page.$$eval('#legend .cluster-key', (els) => els.map((e) => e.textContent));
    expect(keys).toEqual([0, 1, 2, 3].map((k) => `cluster ${k} (${PEERS / CLUSTERS})`));
    expect(await page.textContent('#legend')).toContain('rotate');

    const start = clusterDistances(await call(page, 'layoutPositions'));
    const walked = await walk(page, [1, MALFORMED_ROUND, ROUNDS]);
    // the drawn edges are exactly the frame's in-links, malformed entries skipped, at every round visited
    for (const [drawn, read, written] of walked.counts) {
      expect(drawn).toBe(written);
      expect(read).toBe(written);
    }
    expect(new Set(walked.counts.map(([, , w]) => w)).size).toBeGreaterThan(1);
    expect(walked.last).not.toEqual(walked.first);
    const lastPairs = links[ROUNDS - 1].flatMap((l, i) => l.map(([j]) => `${j}>${i}`)).sort();
    expect(walked.last).toEqual(lastPairs);
    // thickness follows strength
    const sizes = await call(page, 'drawnEdges');
    const strength = new Map(links[ROUNDS - 1].flatMap((l, i) => l.map(([j, w]) => [`${j}>${i}`, w] as const)));
    for (const [s, t, size] of sizes) expect(size).toBeCloseTo(0.5 + 4 * strength.get(`${s}>${t}`)!, 4);

    // ForceAtlas2 followed the links: peers of a cluster now sit together
    replayLayout = walked.xy;
    const end = clusterDistances(walked.xy);
    writeFileSync(join(OUTPUT_DIR, 'viz-plasticity-layout.json'), JSON.stringify({ start, end }) + '\n');
    expect(end.within).toBeLessThan(0.6 * end.between);
    expect(end.within / end.between).toBeLessThan(start.within / start.between);

    // the canvas shows the four cluster colours at the peers' centres
    const probe = await call(page, 'probePixels');
    expect(probe.checked).toBe(PEERS);
    expect(probe.matched / probe.checked).toBeGreaterThan(0.9);
    const png = decodePng(await page.screenshot({ path: join(OUTPUT_DIR, 'viz-plasticity.png') }));
    const peers = await call(page, 'peersOnScreen');
    const seen = new Set<number>();
    let matched = 0;
    for (const p of peers) {
      if (!p || p.x < 0 || p.y < 0 || p.x >= png.width || p.y >= png.height) continue;
      const got = pixelAt(png, p.x, p.y);
      const k = CLUSTER_RGB.findIndex((rgb) => rgb.every((v, c) => Math.abs(v - got[c]) <= 12));
      if (k < 0) continue;
      seen.add(k);
      if (k === clusterOf(p.id)) matched++;
    }
    expect(seen.size).toBe(CLUSTERS);
    expect(matched / PEERS).toBeGreaterThan(0.8);

    // the headline carries the wiring figures; a peer's card lists whom it listens to
    expect(await page.textContent('#headline')).toMatch(/cluster purity 100\.0% · in-degree \d\.\d\d/);
    expect(await page.isVisible('#k-purity')).toBe(true);
    await call(page, 'select', 7);
    const card = await page.textContent('#peer');
    expect(card).toContain(`In-links (${links[ROUNDS - 1][7].length})`);
    expect(card).toMatch(/cluster\s*3/);

    // a round is laid out the same way however the viewer got there: straight to the last round,
    // or back to it after the first (each round continues the settled layout of the one before)
    const again = await open(url);
    const direct = await walk(again.page, [ROUNDS]);
    expect(direct.xy).toEqual(walked.xy);
    const back = await walk(again.page, [2, ROUNDS]);
    expect(back.xy).toEqual(walked.xy);

    expect(errors).toEqual([]);
    expect(again.errors).toEqual([]);
    await page.close();
    await again.page.close();
  }, 240000);

  it('follows a run as it writes rounds: the edges are always the newest round’s links', async () => {
    const dir = join(root, 'growing');
    mkdirSync(dir);
    writeRun(dir, links, 3);
    const viz = runCli(['viz', dir, '--port', '0']);
    started.push(viz);
    const { page, errors } = await open(await viz.url, 3);
    const state = () => call(page, 'state') as Promise<ReturnType<Hook['state']> & { follow: boolean }>;
    expect((await state()).follow).toBe(true);
    await expect.poll(() => call(page, 'drawnEdgeCount'), { timeout: 10000 }).toBe(linkCount(3));
    const seen = new Set<number>();
    for (const write of appends.splice(0)) {
      write();
      await new Promise((r) => setTimeout(r, 250));
      const s = await state();
      if (s.round !== null && !s.finished) {
        seen.add(s.round);
        // the round on screen and its edges are read in one go, after sigma has drawn
        const now = await page.evaluate(
          () =>
            new Promise<[number | null, number]>((res) =>
              requestAnimationFrame(() => requestAnimationFrame(() => {
                const h = (window as unknown as { __plexus: Hook }).__plexus;
                res([h.state().round, h.drawnEdgeCount()]);
              })),
            ),
        );
        if (now[0] !== null) expect(now[1], `round ${now[0]}`).toBe(linkCount(now[0]));
      }
    }
    await page.waitForFunction(() => (window as unknown as { __plexus: Hook }).__plexus.state().finished, null, { timeout: 30000 });
    expect(seen.size).toBeGreaterThan(3);
    expect((await state()).round).toBe(ROUNDS);
    await expect.poll(() => call(page, 'drawnEdgeCount'), { timeout: 10000 }).toBe(linkCount(ROUNDS));
    await page.waitForFunction(() => (window as unknown as { __plexus: Hook }).__plexus.state().layoutSettled, null, { timeout: 90000 });
    const xy = await call(page, 'layoutPositions');
    const end = clusterDistances(xy);
    expect(end.within).toBeLessThan(0.6 * end.between);
    // the same rounds, so the same picture as the replay, whichever rounds the live view showed
    if (replayLayout.length) expect(xy).toEqual(replayLayout);
    expect(errors).toEqual([]);
    await page.close();
  }, 180000);
});
