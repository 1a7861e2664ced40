// The sigma renderer and everything drawn on it. Per-round colours live in plain arrays
// read by the reducers; a round change refreshes only the peers whose colour changed
// (skipIndexation: positions and sizes are untouched), so the graph is never rebuilt.

import Sigma from 'sigma';
import type { NodeDisplayData, PartialButFor } from 'sigma/types';
import type { Settings } from 'sigma/settings';
import { ADVERSARIAL_COLOR, BACKGROUND } from './colors.js';
import type { BuiltGraph, EdgeAttributes, NodeAttributes } from './graph.js';

export const EDGE_LEVELS = 16;

const EDGE_IDLE = [70, 84, 110];
const EDGE_BUSY = [140, 190, 255];

/**
 * sigma blends with (ONE, ONE_MINUS_SRC_ALPHA) into a premultiplied canvas, so a
 * translucent colour must be premultiplied or it shows at full brightness.
 */
function premultiplied(rgb: number[], alpha: number): string {
  const [r, g, b] = rgb.map((v) => Math.round(v * alpha));
  return `rgba(${r},${g},${b},${alpha.toFixed(3)})`;
}

/**
 * Edge colour and width for each traffic level: idle links stay faint, busy ones glow.
 * Dense graphs get fainter edges so that thousands of them do not wash out the peers.
 */
export function edgeStyles(edgeCount: number): { color: string; size: number }[] {
  const density = Math.sqrt(Math.min(1, Math.max(0.08, 800 / Math.max(edgeCount, 1))));
  return Array.from({ length: EDGE_LEVELS }, (_, level) => {
    const t = level / (EDGE_LEVELS - 1);
    const c = EDGE_IDLE.map((a, k) => Math.round(a + (EDGE_BUSY[k] - a) * t));
    const alpha = (0.14 + 0.5 * t) * density;
    return { color: premultiplied(c, alpha), size: 0.5 + 1.1 * t };
  });
}
/** A plasticity link's colour by strength (16 steps); its width is 0.5 + 4 * strength. */
const LINK_COLORS = Array.from({ length: EDGE_LEVELS }, (_, level) => {
  const t = level / (EDGE_LEVELS - 1);
  return premultiplied(EDGE_IDLE.map((a, k) => Math.round(a + (EDGE_BUSY[k] - a) * t)), 0.3 + 0.5 * t);
});
export const linkSize = (strength: number): number => 0.5 + 4 * strength;
const EDGE_HIGHLIGHT = { color: premultiplied([236, 239, 244], 0.85), size: 1.8 };
const EDGE_DIMMED = { color: premultiplied([60, 70, 90], 0.06), size: 0.4 };

type HoverData = PartialButFor<NodeDisplayData, 'x' | 'y' | 'size' | 'label' | 'color'>;

/** A dark label card for hovered peers (sigma's default is a white box), drawn over the plain label. */
function drawHover(ctx: CanvasRenderingContext2D, data: HoverData, settings: Settings<NodeAttributes, EdgeAttributes>): void {
  const size = settings.labelSize;
  ctx.beginPath();
  ctx.arc(data.x, data.y, data.size + 3, 0, Math.PI * 2);
  ctx.strokeStyle = 'rgba(236,239,244,0.95)';
  ctx.lineWidth = 2;
  ctx.stroke();
  const label = data.label ?? '';
  if (!label) return;
  ctx.font = `${settings.labelWeight} ${size}px ${settings.labelFont}`;
  const textX = data.x + data.size + 3; // where sigma puts the plain label
  const w = ctx.measureText(label).width + 12;
  const h = size + 10;
  ctx.fillStyle = 'rgba(17,22,33,0.95)';
  ctx.strokeStyle = 'rgba(120,140,170,0.55)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.roundRect(textX - 6, data.y - h / 2, w, h, 5);
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = '#eceff4';
  ctx.fillText(label, textX, data.y + size / 3);
}

export interface ViewCallbacks {
  onHover(peer: number | null): void;
  onClick(peer: number | null): void;
}

export class NetworkView {
  readonly sigma: Sigma<NodeAttributes, EdgeAttributes>;
  private readonly built: BuiltGraph;
  private readonly nodeColor: string[];
  private readonly edgeLevel: Uint8Array;
  private readonly edgeStyle: { color: string; size: number }[];
  private offline: Uint8Array | null = null;
  private adversarial: Uint8Array | null = null;
  private selected: number | null = null;
  private hovered: number | null = null;
  private focus = new Set<number>();
  /** whether the edges are a round's plasticity links (neighbours then come from the graph as it is now) */
  private links = false;
  /** created on first need: an idle full-size 2D layer still costs compositing time */
  private marks: CanvasRenderingContext2D | null = null;
  private marksDrawn = false;
  private killed = false;
  /** milliseconds spent in sigma.render, last few frames (for the bench) */
  readonly renderTimes: number[] = [];
  private renderStart = 0;

  constructor(container: HTMLElement, built: BuiltGraph, callbacks: ViewCallbacks) {
    this.built = built;
    const n = built.nodeKeys.length;
    this.nodeColor = new Array<string>(n).fill('#5b6478');
    this.edgeLevel = new Uint8Array(built.edgeKeys.length);
    this.edgeStyle = edgeStyles(built.edgeKeys.length);
    this.sigma = new Sigma(built.graph, container, {
      defaultEdgeType: built.edges.directed ? 'arrow' : 'line',
      renderEdgeLabels: false,
      labelFont: 'Inter, "Segoe UI", system-ui, sans-serif',
      labelSize: 12,
      labelWeight: '500',
      labelColor: { color: '#c9d1e0' },
      labelDensity: 0.35,
      labelGridCellSize: 120,
      labelRenderedSizeThreshold: n <= 120 ? 0 : 9,
      hideEdgesOnMove: n > 5000,
      zIndex: true,
      minCameraRatio: 0.02,
      maxCameraRatio: 4,
      stagePadding: 24,
      defaultDrawNodeHover: drawHover,
      nodeReducer: (_key, attr) => this.reduceNode(attr),
      edgeReducer: (_key, attr) => this.reduceEdge(attr),
    });
    this.sigma.on('beforeRender', () => (this.renderStart = performance.now()));
    this.sigma.on('afterRender', () => {
      this.renderTimes.push(performance.now() - this.renderStart);
      if (this.renderTimes.length > 240) this.renderTimes.shift();
      this.drawMarks();
    });
    this.sigma.on('enterNode', ({ node }) => callbacks.onHover(Number(node)));
    this.sigma.on('leaveNode', () => callbacks.onHover(null));
    this.sigma.on('clickNode', ({ node }) => callbacks.onClick(Number(node)));
    this.sigma.on('clickStage', () => callbacks.onClick(null));
  }

  private reduceNode(attr: NodeAttributes): Partial<NodeDisplayData> & NodeAttributes {
    const i = attr.peer;
    const out = attr as NodeAttributes & Partial<NodeDisplayData>;
    out.color = this.nodeColor[i];
    if (this.offline?.[i]) out.size = attr.size * 0.7;
    if (this.focus.size > 0) {
      if (i === this.selected || i === this.hovered) {
        out.zIndex = 2;
        out.forceLabel = true;
        out.highlighted = i === this.selected;
      } else if (this.focus.has(i)) {
        out.zIndex = 1;
      } else if (this.selected !== null) {
        out.color = dim(out.color);
        out.label = '';
        out.zIndex = 0;
      }
    }
    return out;
  }

  private reduceEdge(attr: EdgeAttributes): EdgeAttributes & { hidden?: boolean; zIndex?: number } {
    const e = attr.index;
    const out = attr as EdgeAttributes & { zIndex?: number };
    let s: number;
    let t: number;
    if (e < 0) {
      const strength = attr.strength ?? 0;
      out.color = LINK_COLORS[Math.min(EDGE_LEVELS - 1, Math.round(strength * (EDGE_LEVELS - 1)))];
      out.size = linkSize(strength);
      s = attr.from ?? -1;
      t = attr.to ?? -1;
    } else {
      const style = this.edgeStyle[this.edgeLevel[e]];
      out.color = style.color;
      out.size = style.size;
      s = this.built.edges.source[e];
      t = this.built.edges.target[e];
    }
    const anchor = this.selected ?? this.hovered;
    if (anchor !== null) {
      if (s === anchor || t === anchor) {
        out.color = EDGE_HIGHLIGHT.color;
        out.size = EDGE_HIGHLIGHT.size;
        out.zIndex = 1;
      } else if (this.selected !== null) {
        out.color = EDGE_DIMMED.color;
        out.size = EDGE_DIMMED.size;
      }
    }
    return out;
  }

  /** Sets every peer's colour; only peers whose colour changed are re-sent to the GPU. */
  setNodeColors(colors: ArrayLike<string>): number {
    const changed: string[] = [];
    for (let i = 0; i < this.nodeColor.length; i++) {
      if (this.nodeColor[i] !== colors[i]) {
        this.nodeColor[i] = colors[i];
        changed.push(this.built.nodeKeys[i]);
      }
    }
    if (changed.length) this.sigma.refresh({ partialGraph: { nodes: changed }, skipIndexation: true, schedule: true });
    return changed.length;
  }

  /** Traffic levels in [0, EDGE_LEVELS) per edge; only changed edges are refreshed. */
  setEdgeLevels(levels: Uint8Array): number {
    const changed: string[] = [];
    if (this.links) return 0; // the topology's edges are not drawn
    for (let e = 0; e < this.edgeLevel.length; e++) {
      if (this.edgeLevel[e] !== levels[e]) {
        this.edgeLevel[e] = levels[e];
        changed.push(this.built.edgeKeys[e]);
      }
    }
    if (changed.length) this.sigma.refresh({ partialGraph: { edges: changed }, skipIndexation: true, schedule: true });
    return changed.length;
  }

  /** Offline peers shrink; adversarial ones get a red ring. */
  setMarks(offline: Uint8Array | null, adversarial: Uint8Array | null): void {
    const changed: string[] = [];
    for (let i = 0; i < this.nodeColor.length; i++) {
      if ((this.offline?.[i] ?? 0) !== (offline?.[i] ?? 0)) changed.push(this.built.nodeKeys[i]);
    }
    this.offline = offline;
    this.adversarial = adversarial;
    // sizes feed the spatial index, so these nodes need indexing
    if (changed.length) this.sigma.refresh({ partialGraph: { nodes: changed }, schedule: true });
    else this.sigma.scheduleRender();
  }

  /** From now on the graph's edges are plasticity links: neighbours are read from the graph. */
  useLinks(): void {
    this.links = true;
  }

  /** A peer's neighbours as drawn now (in and out). */
  neighboursOf(peer: number): ArrayLike<number> {
    if (!this.links) return this.built.neighbours[peer];
    return this.built.graph.neighbors(this.built.nodeKeys[peer]).map(Number);
  }

  colorOf(peer: number): string {
    return this.nodeColor[peer];
  }

  /** Highlights a peer (clicked) or previews one (hovered); null clears. */
  setFocus(selected: number | null, hovered: number | null): void {
    const before = new Set(this.focus);
    const hadSelection = this.selected !== null;
    this.selected = selected;
    this.hovered = hovered;
    this.focus = new Set<number>();
    for (const p of [selected, hovered]) {
      if (p === null) continue;
      this.focus.add(p);
      for (const nb of Array.from(this.neighboursOf(p))) this.focus.add(nb);
    }
    if (hadSelection || selected !== null) {
      // dimming touches every peer and edge: reprocess all (colours only)
      this.sigma.refresh({ partialGraph: { nodes: this.built.nodeKeys, edges: this.built.graph.edges() }, schedule: true });
      return;
    }
    const nodes = new Set<number>([...before, ...this.focus]);
    const edges = new Set<string>();
    for (const p of nodes) for (const e of this.incidentEdges(p)) edges.add(e);

    this.sigma.refresh({
      partialGraph: { nodes: [...nodes].map((i) => this.built.nodeKeys[i]), edges: [...edges] },
      schedule: true,
    });
  }

  private incidentEdges(peer: number): string[] {
    const key = this.built.nodeKeys[peer];
    return this.built.graph.edges(key);
  }

  /** Viewport (CSS px, relative to the container) position and radius of a peer as drawn. */
  peerOnScreen(peer: number): { x: number; y: number; size: number } | null {
    const d = this.sigma.getNodeDisplayData(this.built.nodeKeys[peer]);
    if (!d || d.hidden) return null;
    const p = this.sigma.framedGraphToViewport(d);
    return { x: p.x, y: p.y, size: this.sigma.scaleSize(d.size) };
  }

  private drawMarks(): void {
    const adv = this.adversarial?.includes(1) ? this.adversarial : null;
    if (!adv && !this.marksDrawn) return;
    if (!this.marks) {
      this.sigma.createCanvasContext('plexusMarks', { style: { pointerEvents: 'none' } });
      this.sigma.resize(true);
      this.marks = this.sigma.getCanvases().plexusMarks.getContext('2d')!;
    }
    const ctx = this.marks;
    const { width, height } = this.sigma.getDimensions();
    ctx.clearRect(0, 0, width, height);
    this.marksDrawn = adv !== null;
    if (!adv) return;
    ctx.strokeStyle = ADVERSARIAL_COLOR;
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (let i = 0; i < adv.length; i++) {
      if (!adv[i]) continue;
      const p = this.peerOnScreen(i);
      if (!p || p.x < -20 || p.y < -20 || p.x > width + 20 || p.y > height + 20) continue;
      const r = p.size + 3;
      ctx.moveTo(p.x + r, p.y);
      ctx.arc(p.x, p.y, r, 0, Math.PI * 2);
    }
    ctx.stroke();
  }

  kill(): void {
    if (this.killed) return;
    this.killed = true;
    this.sigma.kill();
  }
}

const dimCache = new Map<string, string>();

/** A colour faded three quarters of the way into the background. */
function dim(color: string): string {
  let d = dimCache.get(color);
  if (d === undefined) {
    const parse = (h: string) => [1, 3, 5].map((o) => parseInt(h.slice(o, o + 2), 16));
    const a = parse(color);
    const b = parse(BACKGROUND);
    d = '#' + a.map((v, k) => Math.round(v + (b[k] - v) * 0.75).toString(16).padStart(2, '0')).join('');
    dimCache.set(color, d);
  }
  return d;
}
