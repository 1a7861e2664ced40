// Perceptual colour scales (viridis, plasma, inferno) as 256-entry lookup tables, and the
// metric -> colour mapping. The polynomial fits are within a few units of matplotlib's tables.

export type PaletteName = 'viridis' | 'plasma' | 'inferno';

type Poly = readonly (readonly [number, number, number])[];

const POLYS: Record<PaletteName, Poly> = {
  viridis: [
    [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
    [0.1050930431085774, 1.404613529898575, 1.384590162594685],
    [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
    [-4.634230498983486, -5.799100973351585, -19.33244095627987],
    [6.228269936347081, 14.17993336680509, 56.69055260068105],
    [4.776384997670288, -13.74514537774601, -65.35303263337234],
    [-5.435455855934631, 4.645852612178535, 26.3124352495832],
  ],
  plasma: [
    [0.05873234392399702, 0.02333670892565664, 0.5433401826748754],
    [2.176514634195958, 0.2383834171260182, 0.7539604599784036],
    [-2.689460476458034, -7.455851135738909, 3.110799939717086],
    [6.130348345893603, 42.3461881477227, -28.51885465332158],
    [-11.10743619062271, -82.66631109428045, 60.13984767418263],
    [10.02306557647065, 71.41361770095349, -54.07218655560067],
    [-3.658713842777788, -22.93153465461149, 18.19190778539828],
  ],
  inferno: [
    [0.0002189403691192265, 0.001651004631001012, -0.01948089843709184],
    [0.1065134194856116, 0.5639564367884091, 3.932712388889277],
    [11.60249308247187, -3.972853965665698, -15.9423941062914],
    [-41.70399613139459, 17.43639888205313, 44.35414519872813],
    [77.162935699427, -33.40235894210092, -81.80730925738993],
    [-71.31942824499214, 32.62606426397723, 73.20951985803202],
    [25.13112622477341, -12.24266895238567, -23.07032500287172],
  ],
};

export const LUT_SIZE = 256;
export const BACKGROUND = '#0b0f17';
/** A peer with no value this round (not evaluated). */
export const NO_DATA_COLOR = '#5b6478';
export const OFFLINE_COLOR = '#2c3342';
export const ADVERSARIAL_COLOR = '#ff4d6d';

export type Rgb = [number, number, number];

export function samplePalette(name: PaletteName, t: number): Rgb {
  const c = POLYS[name];
  const x = Math.min(1, Math.max(0, t));
  const out: Rgb = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    let v = 0;
    for (let i = c.length - 1; i >= 0; i--) v = v * x + c[i][k];
    out[k] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return out;
}

export function toHex([r, g, b]: Rgb): string {
  return '#' + ((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1);
}

export function parseHex(hex: string): Rgb {
  const v = parseInt(hex.slice(1, 7), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** `a` pulled towards `b` by `t` in [0, 1]. */
export function mixHex(a: string, b: string, t: number): string {
  const x = parseHex(a);
  const y = parseHex(b);
  return toHex([0, 1, 2].map((k) => Math.round(x[k] + (y[k] - x[k]) * t)) as Rgb);
}

export interface Palette {
  name: PaletteName;
  /** LUT_SIZE colours, low to high */
  colors: string[];
  /** the same, faded into the background (for de-emphasised peers) */
  dimmed: string[];
}

const cache = new Map<PaletteName, Palette>();

/** The darkest end of each map is cut so low values still read on a dark background. */
const PALETTE_START: Record<PaletteName, number> = { viridis: 0.08, plasma: 0.12, inferno: 0.18 };

export function palette(name: PaletteName): Palette {
  let p = cache.get(name);
  if (!p) {
    const colors: string[] = [];
    const dimmed: string[] = [];
    const t0 = PALETTE_START[name];
    for (let i = 0; i < LUT_SIZE; i++) {
      const hex = toHex(samplePalette(name, t0 + ((1 - t0) * i) / (LUT_SIZE - 1)));
      colors.push(hex);
      dimmed.push(mixHex(hex, BACKGROUND, 0.78));
    }
    p = { name, colors, dimmed };
    cache.set(name, p);
  }
  return p;
}

export type MetricKey = 'accuracy' | 'loss' | 'distance' | 'miaAuc' | 'epsilon';
/** A membership attack's AUC: 0.5 is a coin toss (no leak), 1 tells every member apart (full leak). */
export const MIA_DOMAIN: Readonly<Domain> = { min: 0.5, max: 1 };
/** What peers can be coloured by: a metric's scale, or their cluster (categorical). */
export type ColorBy = MetricKey | 'cluster';

/** Tableau 10 without its grey (which reads as "not evaluated"): one colour per cluster. */
const CLUSTER_BASE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];

/** A distinct colour for cluster k; past the base nine, hues step by the golden angle. */
export function clusterColor(k: number): string {
  if (k < CLUSTER_BASE.length) return CLUSTER_BASE[k];
  const h = ((k * 137.508) % 360) / 60;
  const x = 1 - Math.abs((h % 2) - 1);
  const rgb = h < 1 ? [1, x, 0] : h < 2 ? [x, 1, 0] : h < 3 ? [0, 1, x] : h < 4 ? [0, x, 1] : h < 5 ? [x, 0, 1] : [1, 0, x];
  return toHex(rgb.map((v) => Math.round(70 + v * 160)) as Rgb);
}

export interface MetricSpec {
  key: MetricKey;
  label: string;
  /** What the legend says about the direction. */
  hint: string;
  palette: PaletteName;
  /** High LUT index (bright) for low values. */
  reverse: boolean;
  log: boolean;
  format(v: number): string;
}

export const METRICS: Record<MetricKey, MetricSpec> = {
  accuracy: {
    key: 'accuracy',
    label: 'Accuracy',
    hint: 'test accuracy of each peer’s model',
    palette: 'viridis',
    reverse: false,
    log: false,
    format: (v) => `${(v * 100).toFixed(1)}%`,
  },
  loss: {
    key: 'loss',
    label: 'Loss',
    hint: 'test loss (log scale, bright = low)',
    palette: 'viridis',
    reverse: true,
    log: true,
    format: (v) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(2)),
  },
  distance: {
    key: 'distance',
    label: 'Distance to average',
    hint: '‖θᵢ − θ̄‖² (log scale, bright = far)',
    palette: 'plasma',
    reverse: false,
    log: true,
    format: (v) => (v === 0 ? '0' : v >= 1000 || v < 0.01 ? v.toExponential(1) : v.toPrecision(3)),
  },
  miaAuc: {
    key: 'miaAuc',
    label: 'Membership leak (MIA AUC)',
    hint: 'membership attack’s AUC on each peer’s model: 0.5 = no leak, 1 = full leak',
    palette: 'inferno',
    reverse: false,
    log: false,
    format: (v) => v.toFixed(2),
  },
  epsilon: {
    key: 'epsilon',
    label: 'Privacy loss ε',
    hint: 'each peer’s ε so far (log scale, bright = less private)',
    palette: 'plasma',
    reverse: false,
    log: true,
    format: formatEpsilon,
  },
};

/** ε as the page prints it; an infinite ε (no noise) is ∞. */
export function formatEpsilon(v: number): string {
  if (v === Infinity) return '∞';
  return v >= 1000 ? v.toExponential(2) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export interface Domain {
  min: number;
  max: number;
}

/** A value's position in [0, 1] on the metric's scale (log scales clamp at the domain's minimum). */
export function scalePosition(v: number, domain: Domain, log: boolean): number {
  let lo = domain.min;
  let hi = domain.max;
  let x = v;
  if (log) {
    const floor = lo > 0 ? lo : hi > 0 ? hi * 1e-6 : 1e-12;
    lo = Math.log10(Math.max(lo, floor));
    hi = Math.log10(Math.max(hi, floor));
    x = Math.log10(Math.max(v, floor));
  }
  if (!(hi > lo)) return 0.5;
  return Math.min(1, Math.max(0, (x - lo) / (hi - lo)));
}

/** LUT index for a value, or -1 when the value is missing (NaN). */
export function colorIndex(v: number, spec: MetricSpec, domain: Domain): number {
  if (Number.isNaN(v)) return -1;
  const t = scalePosition(v, domain, spec.log);
  return Math.round((spec.reverse ? 1 - t : t) * (LUT_SIZE - 1));
}

/** The value at position t in [0, 1] of the legend (inverse of scalePosition). */
export function valueAt(t: number, domain: Domain, log: boolean): number {
  if (!log) return domain.min + (domain.max - domain.min) * t;
  const floor = domain.min > 0 ? domain.min : domain.max > 0 ? domain.max * 1e-6 : 1e-12;
  const lo = Math.log10(Math.max(domain.min, floor));
  const hi = Math.log10(Math.max(domain.max, floor));
  return 10 ** (lo + (hi - lo) * t);
}
