// A small canvas chart of the network over rounds: accuracy (mean line, min-max band)
// on the left axis and consensus distance (log) on the right, with the current round marked.
// With privacy: the membership attack's AUC on the left axis, and epsilon in a strip below.

import type { RoundMetrics } from '@plexus/run-format';

const ACC = '#5ec962';
const ACC_BAND = 'rgba(94,201,98,0.18)';
const DIST = '#f89540';
/** cluster purity (plasticity with clusters), on the accuracy axis: both are shares */
const PURITY = '#b07aa1';
/** membership attack AUC (mean solid, max dashed), on the accuracy axis: both are probabilities */
const MIA = '#4fc3f7';
/** epsilon, in its own strip under the plot */
const EPS = '#c9b3ff';
const EPS_STRIP = 34;
const EPS_GAP = 10;
const GRID = 'rgba(148,163,184,0.12)';
const TEXT = '#8b95a8';

export class RoundChart {
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private metrics: readonly RoundMetrics[] = [];
  private cursor: number | null = null;
  private frame = 0;
  private readonly pad = { l: 34, r: 40, t: 8, b: 20 };
  private xRange: [number, number] = [0, 1];

  /** told on each draw which optional series the run has (for the key) */
  onSeries?: (shown: { purity: boolean; mia: boolean; epsilon: boolean }) => void;

  constructor(canvas: HTMLCanvasElement, onSeek: (round: number) => void) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d')!;
    const seek = (ev: PointerEvent) => {
      const rect = canvas.getBoundingClientRect();
      const w = rect.width - this.pad.l - this.pad.r;
      const t = Math.min(1, Math.max(0, (ev.clientX - rect.left - this.pad.l) / w));
      onSeek(Math.round(this.xRange[0] + t * (this.xRange[1] - this.xRange[0])));
    };
    canvas.addEventListener('pointerdown', (ev) => {
      seek(ev);
      canvas.setPointerCapture(ev.pointerId);
    });
    canvas.addEventListener('pointermove', (ev) => {
      if (canvas.hasPointerCapture(ev.pointerId)) seek(ev);
    });
    new ResizeObserver(() => this.schedule()).observe(canvas);
  }

  update(metrics: readonly RoundMetrics[], cursor: number | null): void {
    this.metrics = metrics;
    this.cursor = cursor;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const { canvas, ctx, pad } = this;
    const dpr = window.devicePixelRatio || 1;
    const W = canvas.clientWidth;
    const H = canvas.clientHeight;
    if (canvas.width !== Math.round(W * dpr) || canvas.height !== Math.round(H * dpr)) {
      canvas.width = Math.round(W * dpr);
      canvas.height = Math.round(H * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const m = this.metrics;
    const w = W - pad.l - pad.r;
    // with epsilon, the lowest EPS_STRIP pixels are its own small plot
    const withEps = m.some((l) => typeof l.epsilon === 'number');
    canvas.style.height = withEps ? '190px' : '';
    const h = H - pad.t - pad.b - (withEps ? EPS_STRIP + EPS_GAP : 0);
    ctx.font = '10px Inter, "Segoe UI", system-ui, sans-serif';
    if (m.length === 0) {
      ctx.fillStyle = TEXT;
      ctx.fillText('waiting for the first round…', pad.l, pad.t + h / 2);
      return;
    }
    const r0 = m[0].round;
    const r1 = Math.max(m[m.length - 1].round, r0 + 1);
    this.xRange = [r0, r1];
    const X = (r: number) => pad.l + ((r - r0) / (r1 - r0)) * w;

    const evals = m.filter((l) => typeof l.meanAccuracy === 'number');
    let aLo = 1;
    let aHi = 0;
    for (const l of evals) {
      aLo = Math.min(aLo, l.minAccuracy ?? l.meanAccuracy!);
      aHi = Math.max(aHi, l.maxAccuracy ?? l.meanAccuracy!);
    }
    const purity = m.filter((l) => typeof l.clusterPurity === 'number');
    for (const l of purity) {
      aLo = Math.min(aLo, l.clusterPurity!);
      aHi = Math.max(aHi, l.clusterPurity!);
    }
    const mia = m.filter((l) => typeof l.miaAuc === 'number');
    for (const l of mia) {
      aLo = Math.min(aLo, l.miaAuc!);
      aHi = Math.max(aHi, l.miaAucMax ?? l.miaAuc!);
    }
    this.onSeries?.({ purity: purity.length > 0, mia: mia.length > 0, epsilon: withEps });
    if (!(aHi > aLo)) [aLo, aHi] = [0, 1];
    aLo = Math.max(0, Math.floor(aLo * 10) / 10);
    aHi = Math.min(1, Math.ceil(aHi * 10) / 10);
    const YA = (a: number) => pad.t + h - ((a - aLo) / (aHi - aLo || 1)) * h;

    const dists = m.filter((l) => l.consensusDistance > 0);
    let dLo = Infinity;
    let dHi = -Infinity;
    for (const l of dists) {
      dLo = Math.min(dLo, l.consensusDistance);
      dHi = Math.max(dHi, l.consensusDistance);
    }
    // at most six decades: float noise at the start (identical initial models) would flatten the rest
    const lLo = Number.isFinite(dLo) ? Math.max(Math.floor(Math.log10(dLo)), Math.ceil(Math.log10(dHi)) - 6) : -3;
    const lHi = Number.isFinite(dHi) ? Math.max(Math.ceil(Math.log10(dHi)), lLo + 1) : 0;
    const YD = (d: number) => pad.t + h - ((Math.log10(Math.max(d, 10 ** lLo)) - lLo) / (lHi - lLo)) * h;

    // grid and axes
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.fillStyle = TEXT;
    ctx.textAlign = 'right';
    const aStep = [0.05, 0.1, 0.2, 0.25].find((st) => (aHi - aLo) / st <= 5) ?? 0.25;
    for (let a = Math.ceil(aLo / aStep - 1e-9) * aStep; a <= aHi + 1e-9; a += aStep) {
      const y = Math.round(YA(a)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.l, y);
      ctx.lineTo(pad.l + w, y);
      ctx.stroke();
      ctx.fillText(`${Math.round(a * 100)}%`, pad.l - 4, y + 3);
    }
    ctx.textAlign = 'left';
    ctx.fillStyle = DIST;
    const step = Math.max(1, Math.ceil((lHi - lLo) / 4));
    for (let e = lLo; e <= lHi; e += step) ctx.fillText(`1e${e}`, pad.l + w + 4, YD(10 ** e) + 3);
    ctx.fillStyle = TEXT;
    ctx.textAlign = 'center';
    for (const r of niceTicks(r0, r1, 5)) ctx.fillText(String(r), X(r), H - 6);

    // accuracy band and mean
    if (evals.length) {
      ctx.fillStyle = ACC_BAND;
      ctx.beginPath();
      evals.forEach((l, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, X(l.round), YA(l.maxAccuracy ?? l.meanAccuracy!)));
      for (let i = evals.length - 1; i >= 0; i--) ctx.lineTo(X(evals[i].round), YA(evals[i].minAccuracy ?? evals[i].meanAccuracy!));
      ctx.closePath();
      ctx.fill();
      ctx.strokeStyle = ACC;
      ctx.lineWidth = 2;
      ctx.beginPath();
      evals.forEach((l, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, X(l.round), YA(l.meanAccuracy!)));
      ctx.stroke();
      if (evals.length < 40) {
        // few evaluation rounds: mark each, or a single one would not show at all
        ctx.fillStyle = ACC;
        for (const l of evals) {
          ctx.beginPath();
          ctx.arc(X(l.round), YA(l.meanAccuracy!), 2.5, 0, Math.PI * 2);
          ctx.fill();
        }
      }
    }
    if (purity.length) {
      ctx.strokeStyle = PURITY;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([1, 3]);
      ctx.beginPath();
      purity.forEach((l, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, X(l.round), YA(l.clusterPurity!)));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (mia.length) {
      ctx.strokeStyle = MIA;
      ctx.lineWidth = 1.5;
      const maxes = mia.filter((l) => typeof l.miaAucMax === 'number');
      if (maxes.length) {
        ctx.setLineDash([3, 2]);
        ctx.beginPath();
        maxes.forEach((l, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, X(l.round), YA(l.miaAucMax!)));
        ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.lineWidth = 2;
      ctx.beginPath();
      mia.forEach((l, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, X(l.round), YA(l.miaAuc!)));
      ctx.stroke();
    }
    if (withEps) this.drawEpsilon(m, X, pad.t + h + EPS_GAP, pad.l + w);
    // consensus distance
    if (dists.length) {
      ctx.strokeStyle = DIST;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      dists.forEach((l, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, X(l.round), YD(l.consensusDistance)));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    // current round
    if (this.cursor !== null) {
      const x = Math.round(X(Math.min(Math.max(this.cursor, r0), r1))) + 0.5;
      ctx.strokeStyle = 'rgba(236,239,244,0.7)';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, pad.t);
      ctx.lineTo(x, pad.t + h + (withEps ? EPS_GAP + EPS_STRIP : 0));
      ctx.stroke();
    }
  }

  /** Epsilon over rounds in a strip from `top`, linear from 0 to its largest finite value; an infinite epsilon breaks the line. */
  private drawEpsilon(m: readonly RoundMetrics[], X: (r: number) => number, top: number, right: number): void {
    const { ctx, pad } = this;
    const eps = m.filter((l) => typeof l.epsilon === 'number');
    const finite = eps.filter((l) => Number.isFinite(l.epsilon));
    const hi = finite.reduce((a, l) => Math.max(a, l.epsilon!), 0) || 1;
    const Y = (e: number) => top + EPS_STRIP - (e / hi) * EPS_STRIP;
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    for (const y of [top + 0.5, top + EPS_STRIP + 0.5]) {
      ctx.beginPath();
      ctx.moveTo(pad.l, y);
      ctx.lineTo(right, y);
      ctx.stroke();
    }
    ctx.fillStyle = EPS;
    ctx.textAlign = 'right';
    ctx.fillText(finite.length ? hi.toPrecision(2) : '∞', pad.l - 4, top + 7);
    ctx.fillText('ε 0', pad.l - 4, top + EPS_STRIP + 3);
    ctx.strokeStyle = EPS;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let drawing = false;
    for (const l of eps) {
      if (!Number.isFinite(l.epsilon)) {
        drawing = false;
        continue;
      }
      (drawing ? ctx.lineTo : ctx.moveTo).call(ctx, X(l.round), Y(l.epsilon!));
      drawing = true;
    }
    ctx.stroke();
  }
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const step = [1, 2, 5, 10].map((s) => s * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let r = Math.ceil(lo / step) * step; r <= hi; r += step) out.push(r);
  return out;
}
