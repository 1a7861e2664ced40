// The colour key: the metric's gradient with ticks, what the marks mean, and what edges show.

import { ADVERSARIAL_COLOR, clusterColor, LUT_SIZE, METRICS, NO_DATA_COLOR, OFFLINE_COLOR, palette, valueAt, type ColorBy, type Domain } from './colors.js';

export interface ClusterKey {
  /** peers in each cluster */
  counts: number[];
  /** the data transform that tells the clusters apart (topology.json `clusters.transform`) */
  transform: string | null;
}

export interface LegendState {
  metric: ColorBy;
  /** with metric 'cluster': the clusters to list */
  clusters: ClusterKey | null;
  /** what edges show: bytes per round over the topology, or the round's plasticity links */
  edges: 'traffic' | 'links';
  domain: Domain;
  scope: 'run' | 'round';
  exactTraffic: boolean;
  hasOffline: boolean;
  /** how many peers attack the others (0: none in the run) */
  adversaries: number;
  /** with privacy.dp: the round's guarantee, "ε = 2.31 at δ = 1e-5" (null: none in the run) */
  privacy: string | null;
}

export class Legend {
  private readonly root: HTMLElement;
  private readonly bar: HTMLCanvasElement;
  private readonly ticks: HTMLElement;
  private readonly hint: HTMLElement;
  private readonly keys: HTMLElement;
  private last = '';

  constructor(root: HTMLElement) {
    this.root = root;
    this.bar = document.createElement('canvas');
    this.bar.className = 'legend-bar';
    this.bar.width = LUT_SIZE;
    this.bar.height = 1;
    this.ticks = document.createElement('div');
    this.ticks.className = 'legend-ticks';
    this.hint = document.createElement('div');
    this.hint.className = 'legend-hint';
    this.keys = document.createElement('div');
    this.keys.className = 'legend-keys';
    root.replaceChildren(this.bar, this.ticks, this.hint, this.keys);
  }

  update(s: LegendState): void {
    const signature = JSON.stringify(s);
    if (signature === this.last) return;
    this.last = signature;
    this.root.dataset.metric = s.metric;
    const categorical = s.metric === 'cluster';
    this.bar.hidden = categorical;
    this.ticks.hidden = categorical;
    const key = (color: string, text: string, ring = false) => {
      const item = document.createElement('span');
      const sw = document.createElement('i');
      if (ring) sw.style.boxShadow = `0 0 0 2px ${color}`;
      else sw.style.background = color;
      item.append(sw, document.createTextNode(text));
      return item;
    };
    const edge = document.createElement('span');
    edge.className = 'edge-key';
    if (s.edges === 'links') edge.textContent = 'edges: this round’s in-links (arrow to the listener), thicker = stronger mixing weight';
    if (s.metric === 'cluster') return this.showClusters(s, key, edge);
    const spec = METRICS[s.metric];
    const pal = palette(spec.palette);
    const ctx = this.bar.getContext('2d')!;
    for (let i = 0; i < LUT_SIZE; i++) {
      ctx.fillStyle = pal.colors[spec.reverse ? LUT_SIZE - 1 - i : i];
      ctx.fillRect(i, 0, 1, 1);
    }
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => {
      const span = document.createElement('span');
      span.textContent = spec.format(valueAt(t, s.domain, spec.log));
      return span;
    });
    this.ticks.replaceChildren(...ticks);
    const range = s.metric === 'miaAuc' && s.scope === 'run' ? 'fixed scale' : `range over ${s.scope === 'run' ? 'the whole run' : 'this round'}`;
    this.hint.textContent = `${spec.hint} · ${range}`;
    const items = [key(NO_DATA_COLOR, 'not evaluated')];
    if (s.hasOffline) items.push(key(OFFLINE_COLOR, 'offline'));
    if (s.adversaries > 0) items.push(key(ADVERSARIAL_COLOR, `adversarial: ${s.adversaries} ${s.adversaries === 1 ? 'attacker' : 'attackers'}`, true));
    if (s.edges === 'traffic') edge.textContent = `edges: brighter = more bytes per round${s.exactTraffic ? '' : ' (estimated from per-peer bytes)'}`;
    items.push(edge);
    this.keys.replaceChildren(...items, ...this.privacyKey(s));
  }

  /** The round's privacy guarantee, under any colouring. */
  private privacyKey(s: LegendState): HTMLElement[] {
    if (s.privacy === null) return [];
    const line = document.createElement('span');
    line.className = 'privacy-key';
    line.textContent = `${s.privacy} (largest over peers)`;
    return [line];
  }

  /** One swatch per cluster with its peer count, then the marks that still apply. */
  private showClusters(s: LegendState, key: (color: string, text: string, ring?: boolean) => HTMLElement, edge: HTMLElement): void {
    const c = s.clusters ?? { counts: [], transform: null };
    this.hint.textContent = `each peer’s data cluster${c.transform ? ` (transform: ${c.transform})` : ''}`;
    const items = c.counts.map((count, k) => {
      const item = key(clusterColor(k), `cluster ${k} (${count})`);
      item.className = 'cluster-key';
      return item;
    });
    if (s.hasOffline) items.push(key(OFFLINE_COLOR, 'offline'));
    if (s.adversaries > 0) items.push(key(ADVERSARIAL_COLOR, `adversarial: ${s.adversaries} ${s.adversaries === 1 ? 'attacker' : 'attackers'}`, true));
    if (s.edges === 'traffic') edge.textContent = 'edges: brighter = more bytes per round';
    items.push(edge);
    this.keys.replaceChildren(...items, ...this.privacyKey(s));
  }
}
