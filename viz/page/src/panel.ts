// The peer card: who a peer is (degree, data, label mix), how it is doing this round,
// and who it talks to.

import { formatEpsilon, METRICS } from './colors.js';
import type { TopologyNode } from '@plexus/run-format';
import type { PeerFrame } from './store.js';

/** Tableau 10: distinct, colour-blind-aware colours for class labels. */
export const LABEL_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

const MAX_CHIPS = 48;

export function formatBytes(b: number): string {
  if (!Number.isFinite(b)) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (b >= 1000 && i < units.length - 1) {
    b /= 1000;
    i++;
  }
  return `${b >= 100 || i === 0 ? b.toFixed(0) : b.toFixed(1)} ${units[i]}`;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export interface PanelContext {
  node: TopologyNode;
  /** as drawn now: the topology's neighbours, or (with plasticity) the peers linked either way this round */
  neighbours: ArrayLike<number>;
  /** with plasticity: whom the peer listens to this round, with the mixing weight */
  inLinks?: { from: number; strength: number }[];
  cluster?: number;
  frame: PeerFrame | null;
  pinned: boolean;
  colorOf(peer: number): string;
}

export class PeerPanel {
  private readonly root: HTMLElement;
  private readonly onPick: (peer: number | null) => void;

  constructor(root: HTMLElement, onPick: (peer: number | null) => void) {
    this.root = root;
    this.onPick = onPick;
    this.showHint();
  }

  showHint(): void {
    this.root.replaceChildren(el('p', 'muted', 'Hover a peer to inspect it; click to pin it and highlight its neighbours.'));
  }

  show(ctx: PanelContext): void {
    const { node, frame } = ctx;
    const i = node.id;
    const head = el('div', 'peer-head');
    const dot = el('span', 'dot');
    dot.style.background = ctx.colorOf(i);
    head.append(dot, el('strong', undefined, `Peer ${i}`));
    if (frame?.adversarial?.[i]) head.append(el('span', 'tag tag-adv', 'adversarial'));
    if (frame?.online && !frame.online[i]) head.append(el('span', 'tag tag-off', 'offline'));
    if (ctx.pinned) {
      const close = el('button', 'icon', '×');
      close.title = 'Unpin (Esc)';
      close.addEventListener('click', () => this.onPick(null));
      head.append(close);
    }

    const facts = el('dl', 'facts');
    const fact = (k: string, v: string) => facts.append(el('dt', undefined, k), el('dd', undefined, v));
    fact('degree', ctx.inLinks ? `${ctx.inLinks.length} in-links (started with ${node.degree})` : String(node.degree));
    if (ctx.cluster !== undefined) fact('cluster', String(ctx.cluster));
    fact('data', `${node.dataSize.toLocaleString()} samples`);
    if (frame) {
      fact('accuracy', Number.isNaN(frame.accuracy[i]) ? 'not evaluated' : METRICS.accuracy.format(frame.accuracy[i]));
      fact('loss', Number.isNaN(frame.loss[i]) ? '–' : METRICS.loss.format(frame.loss[i]));
      fact('distance', Number.isNaN(frame.distance[i]) ? '–' : METRICS.distance.format(frame.distance[i]));
      fact('sent', formatBytes(frame.bytesSent[i]));
      if (frame.messagesSent) fact('messages', `${frame.messagesSent[i].toLocaleString()} sent`);
      if (frame.wakeups) fact('wake-ups', frame.wakeups[i].toLocaleString());
      if (frame.online) fact('status', frame.online[i] ? 'online' : 'offline');
      if (frame.miaAuc) fact('membership AUC', Number.isNaN(frame.miaAuc[i]) ? 'not evaluated' : METRICS.miaAuc.format(frame.miaAuc[i]));
      if (frame.epsilon) fact('ε', Number.isNaN(frame.epsilon[i]) ? '–' : formatEpsilon(frame.epsilon[i]));
    }

    const mix = el('div', 'label-mix');
    const total = node.labelCounts.reduce((a, b) => a + b, 0) || 1;
    const bar = el('div', 'mix-bar');
    node.labelCounts.forEach((c, k) => {
      if (!c) return;
      const seg = el('span');
      seg.style.width = `${(100 * c) / total}%`;
      seg.style.background = LABEL_COLORS[k % LABEL_COLORS.length];
      seg.title = `label ${k}: ${c} (${((100 * c) / total).toFixed(1)}%)`;
      bar.append(seg);
    });
    const keys = el('div', 'mix-keys');
    node.labelCounts
      .map((c, k) => [c, k] as const)
      .filter(([c]) => c > 0)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 6)
      .forEach(([c, k]) => {
        const item = el('span');
        const sw = el('i');
        sw.style.background = LABEL_COLORS[k % LABEL_COLORS.length];
        item.append(sw, document.createTextNode(`${k}: ${((100 * c) / total).toFixed(0)}%`));
        keys.append(item);
      });
    mix.append(el('h4', undefined, 'Label mix'), bar, keys);

    const nbs = el('div', 'neighbours');
    const list = ctx.inLinks ?? Array.from(ctx.neighbours, (from) => ({ from, strength: NaN }));
    nbs.append(el('h4', undefined, ctx.inLinks ? `In-links (${list.length})` : `Neighbours (${list.length})`));
    const chips = el('div', 'chips');
    for (const { from: nb, strength } of list.slice(0, MAX_CHIPS)) {
      const chip = el('button', 'chip');
      const d = el('i');
      d.style.background = ctx.colorOf(nb);
      const weight = Number.isNaN(strength) ? '' : ` · ${(strength * 100).toFixed(0)}%`;
      chip.append(d, document.createTextNode(`${nb}${weight}`));
      chip.title = Number.isNaN(strength) ? `peer ${nb}` : `peer ${nb}: mixing weight ${strength.toFixed(3)}`;
      chip.addEventListener('click', () => this.onPick(nb));
      chips.append(chip);
    }
    if (list.length > MAX_CHIPS) chips.append(el('span', 'muted', `+${list.length - MAX_CHIPS} more`));
    nbs.append(chips);

    this.root.replaceChildren(head, facts, mix, nbs);
  }
}
