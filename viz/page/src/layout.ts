// Lays the peer graph out with ForceAtlas2 in a web worker (layout-worker.ts) and
// writes positions back once per batch. The worker stops by itself when the layout has
// settled; the result depends only on the graph, so a replay looks the same every time.

import { inferSettings } from 'graphology-layout-forceatlas2';
import type { PeerGraph } from './graph.js';
import { PPE, PPN, type LayoutEdges, type LayoutPositions, type LayoutStart } from './layout-messages.js';

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
  /** the newest edge set sent; the layout is settled only once the worker reports it settled on that one */
  private seq = 0;
  private alive = true;
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
   * Lays out on a new edge set from where the peers are (a round's plasticity links, see
   * links.ts: linkMatrices). Edge sets are taken in the order given, each once the layout has
   * settled on the one before, so the same sequence always ends in the same place.
   */
  setEdges(edges: Float32Array, mass: Float32Array): void {
    if (!this.alive || this.graph.order < 2) return;
    const n = this.graph.order;
    const msg: LayoutEdges = { type: 'edges', seq: ++this.seq, edges, mass, maxIterations: n > 2000 ? 150 : 500 };
    this.settled = false;
    if (!this.worker) {
      // the worker was let go after settling: start afresh from the current positions
      this.launch();
    }
    this.worker!.postMessage(msg, [edges.buffer, mass.buffer]);
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
    };
    this.worker = new Worker(new URL('./layout-worker.ts', import.meta.url), { type: 'module', name: 'plexus-layout' });
    this.worker.onmessage = (ev: MessageEvent<LayoutPositions>) => {
      // positions arrive faster than a slow renderer draws: keep only the newest
      this.latest = ev.data;
      if (!this.frame) this.frame = requestAnimationFrame(() => this.applyLatest());
    };
    this.worker.postMessage(msg, [nodes.buffer, edges.buffer]);
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
