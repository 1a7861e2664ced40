// ForceAtlas2 (graphology-layout-forceatlas2's own iteration step) in a web worker.
// It runs iterations in time-boxed batches and posts positions after each batch, without
// waiting for the page (which draws only the newest positions), so a slow renderer
// never slows the layout down. It
// judges "settled" every `window` iterations from the net movement since the last check
// (jitter cancels out, drift does not), so where it stops depends only on the graph,
// never on timing or batching: the same run always gets the same picture.

/// <reference lib="webworker" />
import iterate from 'graphology-layout-forceatlas2/iterate.js';
import { PPN, type LayoutPositions, type LayoutStart, type ToLayoutWorker } from './layout-messages.js';

let job: LayoutStart | null = null;
let iterations = 0;
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
  if (iterations >= j.maxIterations) settled = true;
  if (iterations % j.window !== 0) return;
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

function batch(): void {
  const j = job;
  if (!j) return;
  const t0 = performance.now();
  do step(j);
  while (!settled && performance.now() - t0 < j.batchMs);
  const msg: LayoutPositions = { type: 'positions', xy: positions(j.nodes), iterations, settled };
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(msg, [msg.xy.buffer]);
  if (settled) job = null;
  // yield between batches so that a new start message can get in
  else setTimeout(batch, 0);
}

self.onmessage = (ev: MessageEvent<ToLayoutWorker>) => {
  const m = ev.data;
  if (m.type === 'start') {
    job = m;
    iterations = 0;
    settled = false;
    snapshot = positions(m.nodes);
    batch();
  }
};
