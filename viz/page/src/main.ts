// The live view's wiring: load the topology, draw it, lay it out, then colour peers by
// the chosen metric as rounds stream in (or replay from the files of a finished run).

import './style.css';
import { fetchJson, openStream, waitForTopology } from './api.js';
import { RoundChart } from './chart.js';
import { clusterCounts, readClusters } from './clusters.js';
import { clusterColor, colorIndex, formatEpsilon, METRICS, NO_DATA_COLOR, OFFLINE_COLOR, palette, type ColorBy } from './colors.js';
import { buildGraph, hasWiring, isPlastic } from './graph.js';
import { SettlingLayout } from './layout.js';
import { PPE, PPN } from './layout-messages.js';
import { inNeighbours, linkMatrices, LinkSync } from './links.js';
import { Legend } from './legend.js';
import { PeerPanel } from './panel.js';
import type { RoundMetrics, RunInfo, TopologyFile } from '@plexus/run-format';
import { isFrameLine, RunStore, type PeerFrame } from './store.js';
import { installTestHook } from './test-hook.js';
import { Timeline } from './timeline.js';
import { edgeTraffic } from './traffic.js';
import { EDGE_LEVELS, NetworkView } from './view.js';

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

interface AppState {
  metric: ColorBy;
  scope: 'run' | 'round';
  index: number;
  follow: boolean;
  playing: boolean;
  speed: number;
  selected: number | null;
  hovered: number | null;
}

function setStatus(kind: 'connecting' | 'live' | 'finished' | 'replay' | 'lost', text: string): void {
  const pill = $('#status');
  pill.className = `pill pill-${kind}`;
  pill.textContent = text;
}

function showMessage(text: string | null): void {
  const box = $('#stage-msg');
  box.hidden = text === null;
  box.textContent = text ?? '';
}

/** Async runs' network counters, for the headline. */
function asyncFacts(line: RoundMetrics, n: number): string {
  const parts: string[] = [];
  if (line.messagesSent !== undefined) parts.push(`${line.messagesSent.toLocaleString()} messages sent`);
  if (line.messagesDropped !== undefined) parts.push(`${line.messagesDropped.toLocaleString()} dropped`);
  if (line.peersOnline !== undefined) parts.push(`${line.peersOnline.toLocaleString()}/${n.toLocaleString()} online`);
  return parts.map((p) => ` · ${p}`).join('');
}

/** Plasticity's wiring figures, for the headline. */
function wiringFacts(line: RoundMetrics): string {
  const parts: string[] = [];
  if (typeof line.clusterPurity === 'number') parts.push(`cluster purity ${(line.clusterPurity * 100).toFixed(1)}%`);
  if (typeof line.meanInDegree === 'number') parts.push(`in-degree ${line.meanInDegree.toFixed(2)}`);
  if (typeof line.linksGrown === 'number' && typeof line.linksPruned === 'number') parts.push(`links +${line.linksGrown} −${line.linksPruned}`);
  return parts.map((p) => ` · ${p}`).join('');
}

/** The membership attack's figures, for the headline. */
function privacyFacts(line: RoundMetrics): string {
  if (typeof line.miaAuc !== 'number') return '';
  const max = typeof line.miaAucMax === 'number' ? ` (max ${METRICS.miaAuc.format(line.miaAucMax)})` : '';
  return ` · membership AUC ${METRICS.miaAuc.format(line.miaAuc)}${max}`;
}

/** The round's (ε, δ) guarantee, "ε = 2.31 at δ = 1e-5", or null where the line has no epsilon. */
function privacyGuarantee(line: RoundMetrics | undefined, delta: number | null): string | null {
  if (typeof line?.epsilon !== 'number') return null;
  return `ε = ${formatEpsilon(line.epsilon)}${delta === null ? '' : ` at δ = ${delta.toExponential()}`}`;
}

/** privacy.dp.delta from config.resolved.json, if the run has one. */
function configDelta(config: Record<string, unknown> | null): number | null {
  const delta = ((config?.privacy as { dp?: { delta?: unknown } } | undefined)?.dp)?.delta;
  return typeof delta === 'number' && delta > 0 && delta < 1 ? delta : null;
}

function describeRun(info: RunInfo, topo: TopologyFile, config: Record<string, unknown> | null): void {
  const name = typeof config?.name === 'string' ? config.name : info.name;
  $('#run-title').textContent = name;
  document.title = `${name} · Plexus`;
  const plasticity = isPlastic(topo) ? topo.plasticity!.slice(0, 32) : null;
  const facts: string[] = [`${topo.n.toLocaleString()} peers`, `${topo.edges.length.toLocaleString()} ${plasticity ? 'starting edges' : 'edges'}`];
  if (plasticity) facts.push(`plasticity ${plasticity}`);
  const kind = (config?.topology as { kind?: unknown } | undefined)?.kind;
  if (typeof kind === 'string') facts.push(kind);
  const protocol = (config?.protocol as { kind?: unknown; name?: unknown } | undefined)?.kind;
  if (typeof protocol === 'string') facts.push(protocol);
  if (typeof topo.spectralGap === 'number') facts.push(`spectral gap ${topo.spectralGap.toPrecision(3)}`);
  $('#run-facts').textContent = facts.join(' · ');
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  setStatus('connecting', 'connecting');
  const info = (await fetchJson<RunInfo>('api/run')) ?? { name: 'run', finished: false };
  const topo = await waitForTopology(() => showMessage('Waiting for the run to write topology.json…'));
  const config = await fetchJson<Record<string, unknown>>('api/config').catch(() => null);
  describeRun(info, topo, config);
  showMessage('Waiting for the first evaluation round…');

  const built = buildGraph(topo);
  const n = topo.n;
  const store = new RunStore(n);
  const clusters = readClusters(topo);
  const plastic = isPlastic(topo);
  const delta = configDelta(config);
  const initialMetric = params.get('metric');
  const state: AppState = {
    metric:
      // miaAuc and epsilon are checked against the frames once they arrive
      initialMetric === 'loss' || initialMetric === 'distance' || initialMetric === 'miaAuc' || initialMetric === 'epsilon' || (initialMetric === 'cluster' && clusters)
        ? initialMetric
        : plastic && clusters
          ? 'cluster'
          : 'accuracy',
    scope: params.get('scope') === 'round' ? 'round' : 'run',
    index: -1,
    follow: !info.finished && !params.has('round'),
    playing: false,
    speed: 4,
    selected: null,
    hovered: null,
  };
  const requestedRound = params.has('round') ? Number(params.get('round')) : null;
  const autoplay = info.finished && params.get('autoplay') !== '0' && requestedRound === null;

  const view = new NetworkView($('#graph'), built, {
    onHover: (peer) => {
      state.hovered = peer;
      view.setFocus(state.selected, peer);
      $('#graph').style.cursor = peer === null ? '' : 'pointer';
      updatePanel();
    },
    onClick: (peer) => select(peer === state.selected ? null : peer),
  });
  const layout = new SettlingLayout(built.graph, {
    keepAlive: hasWiring(topo),
    onSettled: () => {
      $('#layout-note').textContent = '';
    },
    onIteration: (it) => {
      $('#layout-note').textContent = `laying out… ${it} iterations`;
    },
  });
  layout.start();

  const legend = new Legend($('#legend'));
  const panel = new PeerPanel($('#peer'), (peer) => select(peer));
  const chart = new RoundChart($<HTMLCanvasElement>('#chart'), (round) => {
    stopFollowing();
    seekIndex(store.frameIndexAtOrBefore(round));
  });
  const timeline = new Timeline($('#timeline'), {
    seek: (i) => {
      stopFollowing();
      seekIndex(i);
    },
    togglePlay: () => setPlaying(!state.playing),
    follow: () => {
      setPlaying(false);
      state.follow = true;
      seekIndex(store.frames.length - 1);
    },
    speed: (s) => {
      state.speed = s;
      if (state.playing) setPlaying(true);
    },
  });
  timeline.setSpeed(state.speed);
  chart.onSeries = (shown) => {
    $('#k-purity').hidden = !shown.purity;
    $('#k-mia').hidden = !shown.mia;
    $('#k-mia-max').hidden = !shown.mia;
    $('#k-eps').hidden = !shown.epsilon;
  };

  // per-frame derived data, computed once
  const traffic = new Map<PeerFrame, Float32Array>();
  const offlineMasks = new WeakMap<PeerFrame, Uint8Array>();
  let trafficMax = 0;
  let exactTraffic = false;
  const colors: string[] = new Array(n).fill(NO_DATA_COLOR);
  const levels = new Uint8Array(built.edgeKeys.length);
  // with plasticity, the edges are the links of the round on screen
  const linkSync = new LinkSync(built.graph, built.nodeKeys);

  /** Each peer's cluster in a frame: the frame's own, else topology.json's. */
  function clustersOf(frame: PeerFrame | null): Int32Array | null {
    return frame?.cluster ?? clusters?.of ?? null;
  }
  function hasClusters(): boolean {
    return clusters !== null || store.frames.some((f) => f.cluster !== null);
  }
  /** Whether the run so far has what a colouring needs. */
  function available(metric: ColorBy): boolean {
    if (metric === 'cluster') return hasClusters();
    if (metric === 'miaAuc') return store.hasMiaAuc;
    if (metric === 'epsilon') return store.hasEpsilon;
    return true;
  }
  /** Whether a colouring may be chosen: miaAuc and epsilon are only known once frames arrive. */
  function offered(metric: ColorBy): boolean {
    return available(metric) || ((metric === 'miaAuc' || metric === 'epsilon') && store.frames.length === 0);
  }

  /** Draws the frame's links (a frame without any keeps the last drawn) and lays out its round. */
  function applyLinks(frame: PeerFrame): void {
    layout.show(state.index);
    if (!frame.links || !linkSync.apply(frame.links)) return;
    view.useLinks();
    if (state.selected !== null || state.hovered !== null) view.setFocus(state.selected, state.hovered);
  }

  /** Gives the layout every frame's links it has not had yet, in frame order. O(frames) per new line. */
  const sentLinks: (PeerFrame['links'] | undefined)[] = [];
  function sendLinks(): void {
    if (!store.hasLinks) return;
    store.frames.forEach((f, i) => {
      if (sentLinks[i] === f.links) return;
      sentLinks[i] = f.links;
      layout.setRound(i, f.links ? linkMatrices(f.links, n, PPN, PPE) : null);
    });
  }

  function trafficOf(index: number): Float32Array {
    const frame = store.frames[index];
    let t = traffic.get(frame);
    if (!t) {
      const r = edgeTraffic(built.edges, frame, index > 0 ? store.frames[index - 1] : null);
      t = r.perEdge;
      exactTraffic = r.exact;
      trafficMax = Math.max(trafficMax, r.max);
      traffic.set(frame, t);
    }
    return t;
  }

  function offlineOf(frame: PeerFrame): Uint8Array | null {
    if (!frame.online) return null;
    let m = offlineMasks.get(frame);
    if (!m) {
      m = frame.online.map((o) => (o ? 0 : 1));
      offlineMasks.set(frame, m);
    }
    return m;
  }

  let pending = 0;
  function requestRender(): void {
    if (!pending) pending = requestAnimationFrame(() => ((pending = 0), applyFrame()));
  }

  /** Colours, edges and marks for the current round; O(peers + edges) arithmetic, GPU updates only for changes. */
  function applyFrame(): void {
    const frame = store.frames[state.index] ?? null;
    if (!offered(state.metric)) state.metric = 'accuracy';
    const metric = state.metric === 'cluster' ? null : state.metric;
    const domain = store.domain(metric ?? 'accuracy', state.scope === 'round' && frame ? frame : undefined);
    const ids = clustersOf(frame);
    if (frame) {
      const offline = offlineOf(frame);
      if (metric === null) {
        for (let i = 0; i < n; i++) colors[i] = offline?.[i] ? OFFLINE_COLOR : ids && ids[i] >= 0 ? clusterColor(ids[i]) : NO_DATA_COLOR;
      } else {
        const spec = METRICS[metric];
        const pal = palette(spec.palette);
        const values = frame[metric];
        for (let i = 0; i < n; i++) {
          if (offline?.[i]) colors[i] = OFFLINE_COLOR;
          else {
            const c = values ? colorIndex(values[i], spec, domain) : -1;
            colors[i] = c < 0 ? NO_DATA_COLOR : pal.colors[c];
          }
        }
      }
      view.setNodeColors(colors);
      if (store.hasLinks) applyLinks(frame);
      else {
        const t = trafficOf(state.index);
        const scale = trafficMax > 0 ? 1 / trafficMax : 0;
        for (let e = 0; e < levels.length; e++) levels[e] = Math.min(EDGE_LEVELS - 1, Math.round(Math.sqrt(t[e] * scale) * (EDGE_LEVELS - 1)));
        view.setEdgeLevels(levels);
      }
      view.setMarks(offline, frame.adversarial);
    }
    syncPicker();
    legend.update({
      metric: state.metric,
      clusters: state.metric === 'cluster' && ids ? { counts: clusterCounts(ids, clusters?.count ?? 0), transform: clusters?.transform ?? null } : null,
      edges: store.hasLinks ? 'links' : 'traffic',
      domain,
      scope: state.scope,
      exactTraffic,
      hasOffline: store.hasOffline,
      adversaries: store.adversaries,
      privacy: privacyGuarantee(frame ? store.metricsAt(frame.round) : undefined, delta),
    });
    const last = store.frames[store.frames.length - 1];
    timeline.update({
      frames: store.frames.length,
      index: state.index,
      round: frame?.round ?? null,
      lastRound: last?.round ?? null,
      playing: state.playing,
      follow: state.follow,
      finished: store.finished,
    });
    chart.update(store.metrics, frame?.round ?? null);
    updatePanel();
    updateHeadline(frame);
  }

  function updateHeadline(frame: PeerFrame | null): void {
    const line = frame ? store.metricsAt(frame.round) : undefined;
    const acc = line?.meanAccuracy;
    const text =
      frame === null
        ? ''
        : `round ${frame.round} · mean accuracy ${acc === undefined ? '–' : METRICS.accuracy.format(acc)}` +
          (line ? ` · consensus distance ${METRICS.distance.format(line.consensusDistance)}` : '') +
          (line ? asyncFacts(line, n) + wiringFacts(line) + privacyFacts(line) : '');
    const box = $('#headline');
    if (box.textContent === text) return;
    // a long headline wraps between its facts, never inside one
    box.replaceChildren(
      ...text.split(' · ').flatMap((part, i) => {
        const span = document.createElement('span');
        span.className = 'fact';
        span.textContent = part;
        return i ? [document.createTextNode(' · '), span] : [span];
      }),
    );
  }

  function updatePanel(): void {
    const peer = state.hovered ?? state.selected;
    if (peer === null) return panel.showHint();
    const frame = store.frames[state.index] ?? null;
    const ids = clustersOf(frame);
    panel.show({
      node: topo.nodes[peer] ?? { id: peer, degree: built.neighbours[peer].length, dataSize: 0, labelCounts: [] },
      neighbours: view.neighboursOf(peer),
      inLinks: frame?.links ? inNeighbours(frame.links, peer) : undefined,
      cluster: ids && ids[peer] >= 0 ? ids[peer] : undefined,
      frame,
      pinned: state.selected === peer,
      colorOf: (p) => view.colorOf(p),
    });
  }

  function select(peer: number | null): void {
    state.selected = peer;
    view.setFocus(peer, null);
    state.hovered = null;
    updatePanel();
  }

  function seekIndex(i: number): void {
    const clamped = Math.max(0, Math.min(store.frames.length - 1, i));
    if (clamped === state.index && store.frames.length) return requestRender();
    state.index = clamped;
    requestRender();
  }

  function stopFollowing(): void {
    state.follow = false;
    setPlaying(false);
  }

  let timer = 0;
  function setPlaying(play: boolean): void {
    clearInterval(timer);
    state.playing = play && store.frames.length > 1;
    if (state.playing) {
      state.follow = false;
      if (state.index >= store.frames.length - 1) state.index = 0;
      timer = window.setInterval(() => {
        if (state.index < store.frames.length - 1) seekIndex(state.index + 1);
        else {
          setPlaying(false);
          if (!store.finished) state.follow = true;
        }
      }, 1000 / state.speed);
    }
    requestRender();
  }

  // metric and scale pickers
  const pickerButtons = document.querySelectorAll<HTMLButtonElement>('#metric-picker button, #privacy-picker button');
  for (const button of pickerButtons) button.addEventListener('click', () => setMetric(button.dataset.metric as ColorBy));
  /** Shows the colourings the run has, the chosen one lit. */
  function syncPicker(): void {
    for (const b of pickerButtons) {
      const m = b.dataset.metric as ColorBy;
      b.hidden = !available(m);
      b.classList.toggle('on', m === state.metric);
    }
    $('#privacy-picker').hidden = !store.hasMiaAuc && !store.hasEpsilon;
  }
  syncPicker();
  function setMetric(metric: ColorBy): void {
    if (!offered(metric)) return;
    state.metric = metric;
    syncPicker();
    requestRender();
  }
  const scopeBox = $<HTMLInputElement>('#scope-round');
  scopeBox.checked = state.scope === 'round';
  scopeBox.addEventListener('change', () => {
    state.scope = scopeBox.checked ? 'round' : 'run';
    requestRender();
  });

  window.addEventListener('keydown', (ev) => {
    if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement) return;
    if (ev.key === ' ') {
      ev.preventDefault();
      setPlaying(!state.playing);
    } else if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
      stopFollowing();
      seekIndex(state.index + (ev.key === 'ArrowRight' ? 1 : -1));
    } else if (ev.key === 'Home' || ev.key === 'End') {
      stopFollowing();
      seekIndex(ev.key === 'Home' ? 0 : store.frames.length - 1);
    } else if (ev.key === 'l' || ev.key === 'L') {
      state.follow = true;
      seekIndex(store.frames.length - 1);
    } else if (ev.key === 'Escape') select(null);
    else if (ev.key >= '1' && ev.key <= '6' && ev.key.length === 1) setMetric((['accuracy', 'loss', 'distance', 'cluster', 'miaAuc', 'epsilon'] as const)[Number(ev.key) - 1]);
  });

  let skipped = 0;
  let autoplayed = false;
  const closeStream = openStream({
    run: (r) => {
      if (!r.finished) setStatus('live', 'live');
    },
    metrics: (line) => {
      store.addMetricsLine(line);
      requestRender();
    },
    peers: (line) => {
      if (!isFrameLine(line)) return;
      store.addPeersLine(line);
      sendLinks();
      showMessage(null);
      if (state.follow || state.index < 0) state.index = state.follow ? store.frames.length - 1 : 0;
      if (requestedRound !== null) state.index = store.frameIndexAtOrBefore(requestedRound);
      requestRender();
    },
    warning: (w) => {
      console.warn(`plexus viz: ${w.file}: ${w.message}`);
      skipped++;
      const facts = $('#run-facts');
      facts.dataset.base ??= facts.textContent ?? '';
      facts.textContent = `${facts.dataset.base} · ${skipped} line(s) skipped (see the console)`;
    },
    done: (summary) => {
      store.finish(summary);
      state.follow = false;
      const acc = typeof summary.finalMeanAccuracy === 'number' ? ` · final accuracy ${METRICS.accuracy.format(summary.finalMeanAccuracy)}` : '';
      setStatus(info.finished ? 'replay' : 'finished', `${info.finished ? 'replay' : 'finished'}${acc}`);
      if (store.frames.length === 0) showMessage('This run has no evaluation rounds (peers.jsonl is empty).');
      if (autoplay && !autoplayed && store.frames.length > 1) {
        autoplayed = true;
        state.speed = Math.min(30, Math.max(2, Math.round(store.frames.length / 8)));
        timeline.setSpeed(state.speed);
        state.index = 0;
        setPlaying(true);
      }
      requestRender();
    },
    connection: (c) => {
      if (store.finished) return;
      if (c === 'lost') setStatus('lost', 'reconnecting…');
      else setStatus('live', 'live');
    },
  });

  window.addEventListener('pagehide', () => {
    closeStream();
    layout.kill();
    view.kill();
  });

  installTestHook({
    view,
    built,
    store,
    layout,
    state: () => ({ ...state, round: store.frames[state.index]?.round ?? null }),
    seekRound: (round) => {
      stopFollowing();
      seekIndex(store.frameIndexAtOrBefore(round));
      applyFrame();
    },
    play: () => setPlaying(true),
    pause: () => setPlaying(false),
    setMetric: (m) => {
      setMetric(m);
      applyFrame();
    },
    select,
    stepNow: () => {
      state.index = (state.index + 1) % Math.max(1, store.frames.length);
      applyFrame();
    },
  });
  requestRender();
}

main().catch((err: unknown) => {
  console.error(err);
  showMessage(`Could not load the run: ${(err as Error).message}`);
  setStatus('lost', 'error');
});
