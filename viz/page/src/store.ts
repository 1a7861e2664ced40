// Everything the page knows about the run, as compact typed arrays: one frame per
// evaluation round (peers.jsonl) and the per-round network metrics (metrics.jsonl).

import { MIA_DOMAIN, type Domain, type MetricKey } from './colors.js';
import type { MetricsLine, PeersLine, RoundMetrics, SummaryFile } from '@plexus/run-format';
import { readInLinks, type FrameLinks } from './links.js';

export interface PeerFrame {
  round: number;
  /** NaN where a peer was not evaluated */
  accuracy: Float32Array;
  loss: Float32Array;
  distance: Float32Array;
  /** cumulative bytes each peer has sent */
  bytesSent: Float64Array;
  online: Uint8Array | null;
  adversarial: Uint8Array | null;
  edgeBytes: Float64Array | null;
  /** async mode: each peer's wake-ups and messages sent so far */
  wakeups: Float64Array | null;
  messagesSent: Float64Array | null;
  /** with data.clusters: each peer's cluster, -1 where the line gave none */
  cluster: Int32Array | null;
  /** with plasticity: this round's links (validated; malformed entries skipped) */
  links: FrameLinks | null;
  /** with privacy.dp: each peer's epsilon so far (Infinity where written as null) */
  epsilon: Float32Array | null;
  /** with eval.privacy: the membership attack's AUC on each peer's model, NaN where not evaluated */
  miaAuc: Float32Array | null;
}

interface Extent {
  min: number;
  max: number;
  /** smallest value > 0, for log scales */
  minPositive: number;
}

export type StoreChange = 'frames' | 'metrics' | 'done';

const emptyExtent = (): Extent => ({ min: Infinity, max: -Infinity, minPositive: Infinity });

function toFloat32(values: (number | null)[] | undefined, n: number): Float32Array {
  const out = new Float32Array(n).fill(NaN);
  if (!values) return out;
  for (let i = 0; i < n && i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) out[i] = v;
  }
  return out;
}

/** Per-peer epsilons: null is an infinite epsilon (the writer's JSON for Infinity), anything else not a number is NaN. */
function toEpsilons(values: unknown, n: number): Float32Array | null {
  if (!Array.isArray(values)) return null;
  const out = new Float32Array(n).fill(NaN);
  for (let i = 0; i < n && i < values.length; i++) {
    const v: unknown = values[i];
    if (v === null) out[i] = Infinity;
    else if (typeof v === 'number' && v >= 0) out[i] = v;
  }
  return out;
}

function toCounts(values: (number | null)[] | undefined, n: number): Float64Array | null {
  return values ? Float64Array.from({ length: n }, (_, i) => Number(values[i]) || 0) : null;
}

/** A metrics.jsonl line with its nulls (non-finite numbers) read back: NaN where required, absent where optional. */
export function readMetricsLine(line: MetricsLine): RoundMetrics | null {
  if (!Number.isSafeInteger(line.round)) return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(line)) if (typeof v === 'number') out[k] = v;
  for (const k of ['consensusDistance', 'bytesSent', 'roundSeconds']) out[k] ??= NaN;
  // an infinite epsilon (no noise) is written as null
  if (line.epsilon === null) out.epsilon = Infinity;
  return out as unknown as RoundMetrics;
}

/** A peers.jsonl line the store can take: a whole round number and an accuracy array (the stream is not trusted). */
export function isFrameLine(line: PeersLine): boolean {
  return Number.isSafeInteger(line.round) && Array.isArray(line.accuracy);
}

/** Cluster ids: whole numbers from 0 to 9,999, -1 for anything else. */
function toClusters(values: unknown, n: number): Int32Array | null {
  if (!Array.isArray(values)) return null;
  const out = new Int32Array(n).fill(-1);
  for (let i = 0; i < n && i < values.length; i++) {
    const v: unknown = values[i];
    if (Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < 10_000) out[i] = v as number;
  }
  return out;
}

function toMask(values: boolean[] | undefined, n: number): Uint8Array | null {
  if (!values) return null;
  const out = new Uint8Array(n);
  for (let i = 0; i < n && i < values.length; i++) out[i] = values[i] ? 1 : 0;
  return out;
}

function extentOf(a: Float32Array): Extent {
  const e = emptyExtent();
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v)) continue;
    if (v < e.min) e.min = v;
    if (v > e.max) e.max = v;
    if (v > 0 && v < e.minPositive) e.minPositive = v;
  }
  return e;
}

function merge(into: Extent, e: Extent): void {
  into.min = Math.min(into.min, e.min);
  into.max = Math.max(into.max, e.max);
  into.minPositive = Math.min(into.minPositive, e.minPositive);
}

/** Insert-or-replace by round in an array kept sorted by round; returns the index. */
function upsertByRound<T extends { round: number }>(list: T[], item: T): number {
  let lo = 0;
  let hi = list.length;
  if (hi > 0 && list[hi - 1].round < item.round) {
    list.push(item);
    return hi;
  }
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].round < item.round) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo]?.round === item.round) list[lo] = item;
  else list.splice(lo, 0, item);
  return lo;
}

export class RunStore {
  readonly n: number;
  readonly frames: PeerFrame[] = [];
  readonly metrics: RoundMetrics[] = [];
  summary: SummaryFile | null = null;
  /** whether any frame so far marks peers offline; how many peers the latest frame marks adversarial (for the legend) */
  hasOffline = false;
  adversaries = 0;
  /** whether any frame so far carries plasticity links (the edges then follow the round) */
  hasLinks = false;
  /** whether any frame so far carries per-peer membership AUCs / epsilons (their colourings are offered then) */
  hasMiaAuc = false;
  hasEpsilon = false;
  private readonly metricsByRound = new Map<number, RoundMetrics>();
  private readonly frameExtents = new Map<PeerFrame, Record<MetricKey, Extent>>();
  private readonly runExtent: Record<MetricKey, Extent> = {
    accuracy: emptyExtent(),
    loss: emptyExtent(),
    distance: emptyExtent(),
    miaAuc: emptyExtent(),
    epsilon: emptyExtent(),
  };
  private readonly listeners = new Set<(change: StoreChange) => void>();

  constructor(n: number) {
    this.n = n;
  }

  onChange(fn: (change: StoreChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(change: StoreChange): void {
    for (const fn of this.listeners) fn(change);
  }

  addPeersLine(line: PeersLine): PeerFrame {
    const n = this.n;
    const frame: PeerFrame = {
      round: line.round,
      accuracy: toFloat32(line.accuracy, n),
      loss: toFloat32(line.loss, n),
      distance: toFloat32(line.distance, n),
      bytesSent: toCounts(line.bytesSent, n) ?? new Float64Array(n),
      online: toMask(line.online, n),
      adversarial: toMask(line.adversarial, n),
      edgeBytes: line.edgeBytes ? Float64Array.from(line.edgeBytes, (v) => Number(v) || 0) : null,
      wakeups: toCounts(line.wakeups, n),
      messagesSent: toCounts(line.messagesSent, n),
      cluster: toClusters(line.cluster, n),
      links: readInLinks(line.inLinks, n),
      epsilon: toEpsilons(line.epsilon, n),
      miaAuc: Array.isArray(line.miaAuc) ? toFloat32(line.miaAuc, n) : null,
    };
    if (frame.miaAuc) this.hasMiaAuc = true;
    if (frame.epsilon) this.hasEpsilon = true;
    if (frame.online?.includes(0)) this.hasOffline = true;
    if (frame.links) this.hasLinks = true;
    if (frame.adversarial) this.adversaries = frame.adversarial.reduce((a, b) => a + b, 0);
    const ext = {
      accuracy: extentOf(frame.accuracy),
      loss: extentOf(frame.loss),
      distance: extentOf(frame.distance),
      miaAuc: frame.miaAuc ? extentOf(frame.miaAuc) : emptyExtent(),
      epsilon: frame.epsilon ? extentOf(frame.epsilon) : emptyExtent(),
    };
    this.frameExtents.set(frame, ext);
    for (const k of Object.keys(ext) as MetricKey[]) merge(this.runExtent[k], ext[k]);
    const index = upsertByRound(this.frames, frame);
    if (index < this.frames.length && this.frames[index] !== frame) this.frameExtents.delete(this.frames[index]);
    this.emit('frames');
    return frame;
  }

  addMetricsLine(written: MetricsLine): void {
    const line = readMetricsLine(written);
    if (!line) return;
    upsertByRound(this.metrics, line);
    this.metricsByRound.set(line.round, line);
    this.emit('metrics');
  }

  finish(summary: SummaryFile): void {
    this.summary = summary;
    this.emit('done');
  }

  metricsAt(round: number): RoundMetrics | undefined {
    return this.metricsByRound.get(round);
  }

  get finished(): boolean {
    return this.summary !== null;
  }

  /** Index of the last frame whose round is <= round (0 if none is). */
  frameIndexAtOrBefore(round: number): number {
    let lo = 0;
    let hi = this.frames.length - 1;
    let best = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.frames[mid].round <= round) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  /** The colour domain of a metric over the whole run so far, or over one frame. */
  domain(metric: MetricKey, frame?: PeerFrame): Domain {
    const e = frame ? this.frameExtents.get(frame) ?? this.runExtent : this.runExtent;
    const x = e[metric];
    if (metric === 'miaAuc') {
      // a fixed scale from no leak to full leak; per round, stretched over the round's values within it
      if (!frame || !(x.max - x.min > 0.01)) return { ...MIA_DOMAIN };
      return { min: Math.max(MIA_DOMAIN.min, Math.min(x.min, x.max - 0.01)), max: Math.min(MIA_DOMAIN.max, Math.max(x.max, MIA_DOMAIN.min + 0.01)) };
    }
    if (!Number.isFinite(x.min)) return { min: 0, max: 1 };
    if (metric === 'accuracy') {
      const lo = Math.max(0, x.min);
      const hi = Math.min(1, x.max);
      // every peer at the same value: centre it rather than paint it as the minimum
      return hi - lo > 1e-6 ? { min: lo, max: hi } : { min: Math.max(0, lo - 0.05), max: Math.min(1, hi + 0.05) };
    }
    const lo = Number.isFinite(x.minPositive) ? x.minPositive : x.min;
    const hi = Math.max(x.max, lo);
    if (hi - lo > 1e-12 * Math.max(1, Math.abs(hi))) return { min: lo, max: hi };
    return lo > 0 ? { min: lo / 2, max: hi * 2 } : { min: lo - 1, max: hi + 1 };
  }
}
