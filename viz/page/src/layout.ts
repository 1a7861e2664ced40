// ForceAtlas2 in graphology's web worker, stopped when the layout has settled. "Settled"
// is judged from the positions after each iteration (mean step relative to the graph's
// extent), never from the clock, so the same run always gets the same picture.

import FA2Layout from 'graphology-layout-forceatlas2/worker';
import { inferSettings } from 'graphology-layout-forceatlas2';
import type { PeerGraph } from './graph.js';

export interface LayoutOptions {
  /** hard cap on iterations */
  maxIterations?: number;
  /** settled when the mean step over the last `window` iterations is below this fraction of the extent */
  tolerance?: number;
  onIteration?: (iterations: number) => void;
  onSettled?: (iterations: number) => void;
}

export class SettlingLayout {
  private readonly graph: PeerGraph;
  private readonly supervisor: FA2Layout;
  private readonly opts: Required<Omit<LayoutOptions, 'onIteration' | 'onSettled'>> & LayoutOptions;
  private readonly prevX: Float64Array;
  private readonly prevY: Float64Array;
  private readonly recent: number[] = [];
  private readonly onUpdate: () => void;
  iterations = 0;
  settled = false;
  private killed = false;

  constructor(graph: PeerGraph, opts: LayoutOptions = {}) {
    this.graph = graph;
    const n = graph.order;
    this.opts = {
      maxIterations: opts.maxIterations ?? (n > 5000 ? 400 : n > 1500 ? 700 : 1200),
      tolerance: opts.tolerance ?? 2.5e-4,
      ...opts,
    };
    const inferred = inferSettings(graph);
    this.supervisor = new FA2Layout(graph, {
      getEdgeWeight: null,
      settings: {
        ...inferred,
        barnesHutOptimize: n > 800,
        barnesHutTheta: 0.6,
        linLogMode: false,
        outboundAttractionDistribution: true,
        adjustSizes: false,
        gravity: 1,
        strongGravityMode: true,
        scalingRatio: 2,
        slowDown: 1 + Math.log(Math.max(n, 2)),
      },
    });
    this.prevX = new Float64Array(n);
    this.prevY = new Float64Array(n);
    this.snapshot();
    this.onUpdate = () => this.afterIteration();
    graph.on('eachNodeAttributesUpdated', this.onUpdate);
  }

  start(): void {
    if (this.killed || this.settled) return;
    this.supervisor.start();
  }

  get running(): boolean {
    return this.supervisor.isRunning();
  }

  /** Stops for good and frees the worker; safe to call twice. */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    this.graph.off('eachNodeAttributesUpdated', this.onUpdate);
    this.supervisor.kill();
  }

  private snapshot(): void {
    let i = 0;
    this.graph.forEachNode((_, a) => {
      this.prevX[i] = a.x;
      this.prevY[i] = a.y;
      i++;
    });
  }

  private afterIteration(): void {
    if (!this.supervisor.isRunning()) return;
    this.iterations++;
    let i = 0;
    let step = 0;
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    this.graph.forEachNode((_, a) => {
      step += Math.hypot(a.x - this.prevX[i], a.y - this.prevY[i]);
      this.prevX[i] = a.x;
      this.prevY[i] = a.y;
      if (a.x < minX) minX = a.x;
      if (a.x > maxX) maxX = a.x;
      if (a.y < minY) minY = a.y;
      if (a.y > maxY) maxY = a.y;
      i++;
    });
    const extent = Math.max(maxX - minX, maxY - minY, 1e-9);
    this.recent.push(step / Math.max(i, 1) / extent);
    if (this.recent.length > 20) this.recent.shift();
    this.opts.onIteration?.(this.iterations);
    const mean = this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
    if ((this.recent.length === 20 && mean < this.opts.tolerance) || this.iterations >= this.opts.maxIterations) {
      this.settled = true;
      this.supervisor.stop();
      this.opts.onSettled?.(this.iterations);
    }
  }
}
