// Lays the peer graph out with ForceAtlas2 in a web worker (layout-worker.ts) and
// writes positions back once per batch. The worker stops by itself when the layout has
// settled; the result depends only on the graph, so a replay looks the same every time.

import { inferSettings } from 'graphology-layout-forceatlas2';
import type { PeerGraph } from './graph.js';
import { PPE, PPN, type LayoutPositions, type LayoutRound, type LayoutShow, type LayoutStart } from './layout-messages.js';

export interface LayoutOptions {
  maxIterations?: number;
  tolerance?: number;
  /** keep the worker once settled, for edge sets to come (runs with plasticity) */
  keepAlive?: boolean;
  onIteration?: (iterations: number) => void;
  onSettled?: (iterations: number) => void;
}

/** graphology-layout-forceatlas2's matrices (as its graphToByteArrays builds them), unit edge weights. */
function toMatrices(graph: PeerGraph): { nodes: Float32Array; edges: Float32Array } {
  const nodes = new Float32Array(graph.order * PPN);
  const edges = new Float32Array(graph.size * PPE);
  const index = new Map<string, number>();
  let j = 0;
  graph.forEachNode((key, a) => {
    index.set(key, j);
    nodes[j] = a.x;
    nodes[j + 1] = a.y;
    nodes[j + 6] = 1; // mass, + degree below
    nodes[j + 7] = 1; // convergence
    nodes[j + 8] = a.size || 1;
    j += PPN;
  });
  j = 0;
  graph.forEachEdge((_e, _a, s, t) => {
    const sj = index.get(s)!;
    const tj = index.get(t)!;
    nodes[sj + 6] += 1;
    nodes[tj + 6] += 1;
    edges[j] = sj;
    edges[j + 1] = tj;
    edges[j + 2] = 1;
    j += PPE;
  });
  return { nodes, edges };
}

export class SettlingLayout {
  private readonly graph: PeerGraph;
  private readonly opts: LayoutOptions;
  private worker: Worker | null = null;
  private latest: LayoutPositions | null = null;
  private frame = 0;
  /** the newest show sent; the layout is settled only once the worker reports it settled on that one */
  private seq = 0;
  private alive = true;
  /** with plasticity: each frame's links as sent, and the frame shown (-1: none) */
  private readonly rounds: ({ edges: Float32Array; mass: Float32Array } | null | undefined)[] = [];
  private shown = -1;
  iterations = 0;
  settled = false;
  /** performance.now() when the worker started and when the layout settled */
  startedAt = 0;
  settledAt = 0;

  constructor(graph: PeerGraph, opts: LayoutOptions = {}) {
    this.graph = graph;
    this.opts = opts;
  }

  start(): void {
    if (this.worker || this.settled) return;
    this.launch();
  }

  /**
   * A run with plasticity: the links of the frame at `index` (links.ts: linkMatrices), or null
   * for a frame without links. Round k's layout continues round k - 1's on k's links until it
   * settles, so a round always looks the same, however the viewer got there.
   */
  setRound(index: number, set: { edges: Float32Array; mass: Float32Array } | null): void {
    if (!this.alive || this.graph.order < 2) return;
    this.rounds[index] = set;
    if (!this.worker) this.launch();
    else this.postRound(index);
  }

  /** Lays out the frame at `index` (after the rounds before it, which are kept once computed). */
  show(index: number): void {
    if (!this.alive || this.graph.order < 2 || index === this.shown) return;
    this.shown = index;
    this.settled = false;
    if (!this.worker) this.launch();
    else this.postShow();
  }

  private postRound(index: number): void {
    const set = this.rounds[index];
    // copies: the worker may be started again and need them all
    const copy = set ? { edges: set.edges.slice(), mass: set.mass.slice() } : null;
    const msg: LayoutRound = { type: 'round', index, set: copy };
    this.worker!.postMessage(msg, copy ? [copy.edges.buffer, copy.mass.buffer] : []);
  }

  private postShow(): void {
    const msg: LayoutShow = { type: 'show', index: this.shown, seq: ++this.seq };
    this.worker!.postMessage(msg);
  }

  private launch(): void {
    const graph = this.graph;
    const n = graph.order;
    if (n < 2) {
      this.settled = true;
      this.opts.onSettled?.(0);
      return;
    }
    this.startedAt = performance.now();
    const { nodes, edges } = toMatrices(graph);
    const msg: LayoutStart = {
      type: 'start',
      nodes,
      edges,
      settings: {
        ...inferSettings(graph),
        barnesHutOptimize: n > 800,
        barnesHutTheta: 0.6,
        linLogMode: false,
        outboundAttractionDistribution: true,
        adjustSizes: false,
        edgeWeightInfluence: 1,
        gravity: 1,
        strongGravityMode: true,
        scalingRatio: 2,
        slowDown: 1 + Math.log(Math.max(n, 2)),
      },
      maxIterations: this.opts.maxIterations ?? (n > 5000 ? 600 : 1000),
      tolerance: this.opts.tolerance ?? 2.5e-4,
      window: 25,
      batchMs: 40,
      roundIterations: n > 5000 ? 100 : n > 1000 ? 200 : 500,
    };
    this.worker = new Worker(new URL('./layout-worker.ts', import.meta.url), { type: 'module', name: 'plexus-layout' });
    this.worker.onmessage = (ev: MessageEvent<LayoutPositions>) => {
      // positions arrive faster than a slow renderer draws: keep only the newest
      this.latest = ev.data;
      if (!this.frame) this.frame = requestAnimationFrame(() => this.applyLatest());
    };
    this.worker.postMessage(msg, [nodes.buffer, edges.buffer]);
    // started again after being let go: the rounds so far go with it
    this.rounds.forEach((_, index) => this.postRound(index));
    if (this.shown >= 0) this.postShow();
  }

  private applyLatest(): void {
    this.frame = 0;
    const m = this.latest;
    this.latest = null;
    if (!m || !this.worker) return;
    let i = 0;
    const xy = m.xy;
    this.graph.updateEachNodeAttributes(
      (_key, attr) => {
        attr.x = xy[2 * i];
        attr.y = xy[2 * i + 1];
        i++;
        return attr;
      },
      { attributes: ['x', 'y'] },
    );
    this.iterations = m.iterations;
    this.opts.onIteration?.(m.iterations);
    if (m.settled && m.seq === this.seq) {
      this.settled = true;
      this.settledAt = performance.now();
      if (!this.opts.keepAlive) this.release();
      this.opts.onSettled?.(m.iterations);
    }
  }

  private release(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.worker?.terminate();
    this.worker = null;
  }

  /** Stops for good and frees the worker; safe to call twice. */
  kill(): void {
    this.alive = false;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.worker?.terminate();
    this.worker = null;
  }
}
