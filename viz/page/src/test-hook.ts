// window.__plexus: a small, read-mostly handle for the browser test and the frame-time
// bench. It reports what sigma actually holds and draws, not what the page meant to draw.

import type { ColorBy } from './colors.js';
import type { BuiltGraph } from './graph.js';
import type { SettlingLayout } from './layout.js';
import type { RunStore } from './store.js';
import type { NetworkView } from './view.js';

export interface HookDeps {
  view: NetworkView;
  built: BuiltGraph;
  store: RunStore;
  layout: SettlingLayout;
  state(): { metric: ColorBy; index: number; round: number | null; follow: boolean; playing: boolean; selected: number | null };
  seekRound(round: number): void;
  play(): void;
  pause(): void;
  setMetric(metric: ColorBy): void;
  select(peer: number | null): void;
  /** advance one round (wrapping) and apply it now */
  stepNow(): void;
}

export interface FrameStats {
  frames: number;
  seconds: number;
  fps: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** time inside sigma.render per frame */
  renderMeanMs: number;
  /** time to recolour peers and edges for a new round */
  updateMeanMs: number;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function installTestHook(d: HookDeps): void {
  const { view, built, store, layout } = d;
  const sigma = view.sigma;

  /** Renders now and reads the nodes layer back before the buffer is swapped out. */
  function probePixels(): { checked: number; matched: number; offscreen: number } {
    sigma.refresh();
    const canvas = sigma.getCanvases().nodes;
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return { checked: 0, matched: 0, offscreen: 0 };
    const w = gl.drawingBufferWidth;
    const h = gl.drawingBufferHeight;
    const pixels = new Uint8Array(w * h * 4);
    gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
    const ratio = w / canvas.clientWidth;
    let checked = 0;
    let matched = 0;
    let offscreen = 0;
    for (let i = 0; i < built.nodeKeys.length; i++) {
      const p = view.peerOnScreen(i);
      if (!p) continue;
      const px = Math.round(p.x * ratio);
      const py = h - 1 - Math.round(p.y * ratio);
      if (px < 0 || py < 0 || px >= w || py >= h) {
        offscreen++;
        continue;
      }
      checked++;
      const o = (py * w + px) * 4;
      const shown = sigma.getNodeDisplayData(built.nodeKeys[i])?.color ?? view.colorOf(i);
      const want = parseInt(shown.slice(1, 7), 16);
      const near = (got: number, exp: number) => Math.abs(got - exp) <= 3;
      if (near(pixels[o], (want >> 16) & 255) && near(pixels[o + 1], (want >> 8) & 255) && near(pixels[o + 2], want & 255) && pixels[o + 3] > 200) matched++;
    }
    return { checked, matched, offscreen };
  }

  /** Frame intervals over `ms`; with `cycle`, every frame shows the next round (worst case for colour updates). */
  function measureFrames(ms: number, opts: { cycle?: boolean } = {}): Promise<FrameStats> {
    return new Promise((resolve) => {
      const deltas: number[] = [];
      const updates: number[] = [];
      view.renderTimes.length = 0;
      const start = performance.now();
      let last = start;
      const tick = (now: number) => {
        deltas.push(now - last);
        last = now;
        if (opts.cycle) {
          const t0 = performance.now();
          d.stepNow();
          updates.push(performance.now() - t0);
        } else sigma.scheduleRender();
        if (now - start < ms) requestAnimationFrame(tick);
        else {
          deltas.shift(); // the first interval started before measuring
          const sorted = [...deltas].sort((a, b) => a - b);
          const total = deltas.reduce((a, b) => a + b, 0);
          const renders = view.renderTimes;
          resolve({
            frames: deltas.length,
            seconds: total / 1000,
            fps: deltas.length / (total / 1000),
            meanMs: total / deltas.length,
            p50Ms: quantile(sorted, 0.5),
            p95Ms: quantile(sorted, 0.95),
            maxMs: sorted[sorted.length - 1],
            renderMeanMs: renders.reduce((a, b) => a + b, 0) / Math.max(1, renders.length),
            updateMeanMs: updates.reduce((a, b) => a + b, 0) / Math.max(1, updates.length),
          });
        }
      };
      requestAnimationFrame((t) => {
        last = t;
        requestAnimationFrame(tick);
      });
    });
  }

  const hook = {
    ready: true,
    /** the renderer itself, for experiments in the bench and the console */
    sigma,
    nodeCount: built.graph.order,
    /** edges at load (the topology's); with plasticity see drawnEdgeCount */
    edgeCount: built.graph.size,
    /** edges the graph holds now and sigma draws (display data, not hidden) */
    drawnEdgeCount: () => built.graph.edges().filter((k) => {
      const dd = sigma.getEdgeDisplayData(k);
      return dd !== undefined && !dd.hidden;
    }).length,
    /** the plasticity links of the round on screen, as the page read them (null without plasticity) */
    frameLinkCount: () => store.frames[d.state().index]?.links?.source.length ?? null,
    /** the drawn edges as [from, to, size] (links: size = 0.5 + 4 * strength) */
    drawnEdges: () => built.graph.mapEdges((k, _a, s, t) => [Number(s), Number(t), sigma.getEdgeDisplayData(k)?.size ?? NaN] as [number, number, number]),
    /** peers sigma holds display data for and does not hide */
    renderedNodeCount: () => built.nodeKeys.filter((k) => {
      const dd = sigma.getNodeDisplayData(k);
      return dd !== undefined && !dd.hidden;
    }).length,
    state: () => ({
      ...d.state(),
      frames: store.frames.length,
      rounds: store.frames.map((f) => f.round),
      finished: store.finished,
      metricsRounds: store.metrics.length,
      layoutSettled: layout.settled,
      layoutIterations: layout.iterations,
      layoutMs: layout.settled ? layout.settledAt - layout.startedAt : null,
    }),
    colors: () => built.nodeKeys.map((_, i) => view.colorOf(i)),
    /** layout coordinates (graph space) of every peer */
    layoutPositions: () => built.nodeKeys.map((k) => [built.graph.getNodeAttribute(k, 'x'), built.graph.getNodeAttribute(k, 'y')]),
    colorOf: (peer: number) => view.colorOf(peer),
    peersOnScreen: () => {
      const rect = sigma.getContainer().getBoundingClientRect();
      return built.nodeKeys.map((_, i) => {
        const p = view.peerOnScreen(i);
        return p ? { id: i, x: rect.left + p.x, y: rect.top + p.y, size: p.size, color: view.colorOf(i) } : null;
      });
    },
    probePixels,
    measureFrames,
    seekRound: d.seekRound,
    play: d.play,
    pause: d.pause,
    setMetric: d.setMetric,
    select: d.select,
  };
  (window as unknown as { __plexus: typeof hook }).__plexus = hook;
}
