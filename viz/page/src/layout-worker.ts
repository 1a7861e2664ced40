// ForceAtlas2 (graphology-layout-forceatlas2's own iteration step) in a web worker.
// It runs iterations in time-boxed batches and posts positions after each batch, without
// waiting for the page (which draws only the newest positions), so a slow renderer
// never slows the layout down. It
// judges "settled" every `window` iterations from the net movement since the last check
// (jitter cancels out, drift does not), so where it stops depends only on the graph,
// never on timing or batching: the same run always gets the same picture.
// With plasticity, each round's layout continues the settled layout of the round before on
// the round's own links (layout-messages.ts: LayoutRound); settled rounds are kept, so going
// back is instant and going forward computes the rounds in between, in order.

/// <reference lib="webworker" />
import iterate from 'graphology-layout-forceatlas2/iterate.js';
import { PPN, type LayoutPositions, type LayoutRound, type LayoutStart, type ToLayoutWorker } from './layout-messages.js';

let job: LayoutStart | null = null;
let running = false;
/** iterations in all, and on the current edge set (with its cap) */
let iterations = 0;
let setIterations = 0;
let cap = 0;
let settled = false;
/** positions at the last check */
let snapshot: Float32Array = new Float32Array(0);

/** the start graph's settled layout; each round's edge set as received; settled layouts of rounds 0..cache.length-1 */
let base: Float32Array | null = null;
const rounds: (LayoutRound['set'] | undefined)[] = [];
const cache: Float32Array[] = [];
/** the round whose edges are loaded in the job (-1: the start graph, -2: none) */
let loaded = -1;
let target = -1;
let seq = 0;

function positions(nodes: Float32Array): Float32Array<ArrayBuffer> {
  const n = nodes.length / PPN;
  const xy = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = nodes[i * PPN];
    xy[2 * i + 1] = nodes[i * PPN + 1];
  }
  return xy;
}

function step(j: LayoutStart): void {
  iterate(j.settings, j.nodes, j.edges);
  iterations++;
  setIterations++;
  if (setIterations >= cap) settled = true;
  if (setIterations % j.window !== 0) return;
  const xy = positions(j.nodes);
  const n = xy.length / 2;
  let moved = 0;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i];
    const y = xy[2 * i + 1];
    moved += Math.hypot(x - snapshot[2 * i], y - snapshot[2 * i + 1]);
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  snapshot = xy;
  const extent = Math.max(maxX - minX, maxY - minY, 1e-9);
  if (moved / n / extent / j.window < j.tolerance) settled = true;
}

/** Round k's computation starts from the settled layout before it, on k's links, with fresh speeds. */
function loadRound(j: LayoutStart, k: number, set: NonNullable<LayoutRound['set']>): void {
  const from = k > 0 ? cache[k - 1] : base!;
  j.edges = set.edges;
  const n = j.nodes.length / PPN;
  for (let i = 0; i < n; i++) {
    const o = i * PPN;
    j.nodes[o] = from[2 * i];
    j.nodes[o + 1] = from[2 * i + 1];
    j.nodes[o + 2] = 0; // dx, dy, old dx, old dy
    j.nodes[o + 3] = 0;
    j.nodes[o + 4] = 0;
    j.nodes[o + 5] = 0;
    j.nodes[o + 6] = set.mass[i] ?? 1;
    j.nodes[o + 7] = 1; // convergence
  }
  loaded = k;
  cap = j.roundIterations;
  setIterations = 0;
  settled = false;
  snapshot = positions(j.nodes);
}

/** One unit of work; false when there is nothing to do until a message comes. */
function work(j: LayoutStart): boolean {
  if (base === null) {
    step(j);
    if (settled) base = positions(j.nodes);
    return true;
  }
  if (target < 0 || cache.length > target) return false;
  const k = cache.length;
  const set = rounds[k];
  if (set === undefined) return false; // not received yet
  if (set === null) {
    cache.push((k > 0 ? cache[k - 1] : base).slice());
    return true;
  }
  if (loaded !== k) loadRound(j, k, set);
  step(j);
  if (settled) {
    cache.push(positions(j.nodes));
    loaded = -2;
  }
  return true;
}

function batch(): void {
  const j = job;
  if (!j) {
    running = false;
    return;
  }
  const t0 = performance.now();
  let busy: boolean;
  do busy = work(j);
  while (busy && performance.now() - t0 < j.batchMs);
  const shown = base !== null && target >= 0 && cache.length > target ? cache[target] : null;
  const done = base !== null && (target < 0 || shown !== null);
  const xy = shown ? shown.slice() : positions(j.nodes);
  const msg: LayoutPositions = { type: 'positions', xy, iterations, settled: done, seq };
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(msg, [msg.xy.buffer]);
  // idle when there is nothing to compute, keeping the job for rounds still to come
  if (!busy) running = false;
  // yield between batches so that a new message can get in
  else setTimeout(batch, 0);
}

function run(): void {
  if (running) return;
  running = true;
  batch();
}

self.onmessage = (ev: MessageEvent<ToLayoutWorker>) => {
  const m = ev.data;
  if (m.type === 'start') {
    job = m;
    iterations = 0;
    setIterations = 0;
    cap = m.maxIterations;
    settled = false;
    snapshot = positions(m.nodes);
    base = null;
    rounds.length = 0;
    cache.length = 0;
    loaded = -1;
    target = -1;
    run();
  } else if (m.type === 'round') {
    rounds[m.index] = m.set;
    if (cache.length > m.index) cache.length = m.index;
    if (loaded >= m.index) loaded = -2;
    run();
  } else if (m.type === 'show') {
    target = m.index;
    seq = m.seq;
    run();
  }
};
