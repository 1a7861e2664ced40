// ForceAtlas2 (graphology-layout-forceatlas2's own iteration step) in a web worker.
// It runs iterations in time-boxed batches and posts positions after each batch, without
// waiting for the page (which draws only the newest positions), so a slow renderer
// never slows the layout down. It
// judges "settled" every `window` iterations from the net movement since the last check
// (jitter cancels out, drift does not), so where it stops depends only on the graph,
// never on timing or batching: the same run always gets the same picture.
// In a run with plasticity, new edge sets (one per round shown) queue up and each is taken
// only once the layout has settled on the one before, from where that one left it.

/// <reference lib="webworker" />
import iterate from 'graphology-layout-forceatlas2/iterate.js';
import { PPN, type LayoutEdges, type LayoutPositions, type LayoutStart, type ToLayoutWorker } from './layout-messages.js';

let job: LayoutStart | null = null;
let running = false;
const queue: LayoutEdges[] = [];
let seq = 0;
/** iterations in all, and on the current edge set (with its cap) */
let iterations = 0;
let setIterations = 0;
let cap = 0;
let settled = false;
/** positions at the last check */
let snapshot: Float32Array = new Float32Array(0);

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

/** The next queued edge set replaces the current one; masses follow, speeds start afresh. */
function applyNext(j: LayoutStart): void {
  const next = queue.shift()!;
  j.edges = next.edges;
  const n = j.nodes.length / PPN;
  for (let i = 0; i < n; i++) {
    const o = i * PPN;
    j.nodes[o + 2] = 0; // dx, dy, old dx, old dy
    j.nodes[o + 3] = 0;
    j.nodes[o + 4] = 0;
    j.nodes[o + 5] = 0;
    j.nodes[o + 6] = next.mass[i] ?? 1;
    j.nodes[o + 7] = 1; // convergence
  }
  cap = next.maxIterations;
  setIterations = 0;
  settled = false;
  snapshot = positions(j.nodes);
}

function batch(): void {
  const j = job;
  if (!j) {
    running = false;
    return;
  }
  const t0 = performance.now();
  do {
    if (settled) {
      if (!queue.length) break;
      applyNext(j);
    }
    step(j);
  } while (performance.now() - t0 < j.batchMs);
  const done = settled && queue.length === 0;
  const msg: LayoutPositions = { type: 'positions', xy: positions(j.nodes), iterations, settled: done, seq };
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(msg, [msg.xy.buffer]);
  // idle once settled, keeping the job for edge sets still to come
  if (done) running = false;
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
    queue.length = 0;
    iterations = 0;
    setIterations = 0;
    cap = m.maxIterations;
    settled = false;
    snapshot = positions(m.nodes);
    run();
  } else if (m.type === 'edges') {
    seq = m.seq;
    queue.push(m);
    run();
  }
};
