// The page's pure parts (colour scales, the run store, traffic, graph building) run in Node.
import { describe, expect, it } from 'vitest';
import { clusterCounts, readClusters } from '../../viz/page/src/clusters.js';
import { inNeighbours, linkMatrices, LinkSync, MAX_IN_LINKS_PER_PEER, MAX_SINGLE_DROPS, readInLinks } from '../../viz/page/src/links.js';
import { clusterColor, colorIndex, LUT_SIZE, METRICS, palette, samplePalette, scalePosition, toHex, valueAt } from '../../viz/page/src/colors.js';
import { buildGraph, hash01, nodeSizes } from '../../viz/page/src/graph.js';
import type { PeersLine, SummaryFile, TopologyFile } from '../../src/run-format/index.js';
import { isFrameLine, RunStore } from '../../viz/page/src/store.js';
import { edgeTraffic } from '../../viz/page/src/traffic.js';

const peersLine = (round: number, acc: (number | null)[], extra: Partial<PeersLine> = {}): PeersLine => ({
  round,
  accuracy: acc,
  loss: acc.map((a) => (a === null ? null : 1 - a)),
  distance: acc.map((_, i) => i * 0.1),
  bytesSent: acc.map((_, i) => round * 100 * (i + 1)),
  ...extra,
});

describe('colour scales', () => {
  it('match viridis and plasma at their ends and middle', () => {
    expect(toHex(samplePalette('viridis', 0))).toBe('#470155'); // matplotlib: #440154
    expect(toHex(samplePalette('viridis', 0.5))).toBe('#1f908b'); // #21918c
    expect(toHex(samplePalette('viridis', 1))).toBe('#fce721'); // #fde725
    expect(toHex(samplePalette('plasma', 1))).toBe('#eef726'); // #f0f921
  });

  it('builds 256-colour tables with faded twins', () => {
    const p = palette('viridis');
    expect(p.colors).toHaveLength(LUT_SIZE);
    expect(p.dimmed).toHaveLength(LUT_SIZE);
    expect(new Set(p.colors).size).toBeGreaterThan(200);
  });

  it('maps values to positions linearly or on a log scale, and back', () => {
    expect(scalePosition(0.5, { min: 0, max: 1 }, false)).toBe(0.5);
    expect(scalePosition(2, { min: 0, max: 1 }, false)).toBe(1);
    expect(scalePosition(0.1, { min: 0.01, max: 1 }, true)).toBeCloseTo(0.5);
    expect(valueAt(0.5, { min: 0.01, max: 1 }, true)).toBeCloseTo(0.1);
    expect(scalePosition(0, { min: 0.01, max: 1 }, true)).toBe(0); // zero sits at the bottom of a log scale
    expect(scalePosition(3, { min: 3, max: 3 }, false)).toBe(0.5); // a flat domain is mid-scale
  });

  it('gives missing values no colour and reverses loss so that low is bright', () => {
    expect(colorIndex(NaN, METRICS.accuracy, { min: 0, max: 1 })).toBe(-1);
    expect(colorIndex(1, METRICS.accuracy, { min: 0, max: 1 })).toBe(LUT_SIZE - 1);
    expect(colorIndex(0.01, METRICS.loss, { min: 0.01, max: 2 })).toBe(LUT_SIZE - 1);
    expect(colorIndex(2, METRICS.loss, { min: 0.01, max: 2 })).toBe(0);
  });
});

describe('RunStore', () => {
  it('keeps frames sorted by round, replacing repeats, with nulls as NaN', () => {
    const s = new RunStore(3);
    s.addPeersLine(peersLine(4, [0.5, null, 0.7]));
    s.addPeersLine(peersLine(2, [0.2, 0.3, 0.4]));
    s.addPeersLine(peersLine(4, [0.6, 0.6, 0.6]));
    expect(s.frames.map((f) => f.round)).toEqual([2, 4]);
    expect(s.frames[1].accuracy[0]).toBeCloseTo(0.6);
    const t = new RunStore(2);
    t.addPeersLine(peersLine(1, [null, 0.5]));
    expect(Number.isNaN(t.frames[0].accuracy[0])).toBe(true);
  });

  it('finds the frame at or before a round', () => {
    const s = new RunStore(1);
    for (const r of [0, 10, 20]) s.addPeersLine(peersLine(r, [0.1]));
    expect(s.frameIndexAtOrBefore(15)).toBe(1);
    expect(s.frameIndexAtOrBefore(20)).toBe(2);
    expect(s.frameIndexAtOrBefore(-5)).toBe(0);
  });

  it('reports colour domains over the run and over one round', () => {
    const s = new RunStore(3);
    s.addPeersLine(peersLine(1, [0.1, 0.3, 0.2]));
    const f = s.addPeersLine(peersLine(2, [0.6, 0.9, 0.7]));
    expect(s.domain('accuracy')).toEqual({ min: expect.closeTo(0.1), max: expect.closeTo(0.9) });
    expect(s.domain('accuracy', f)).toEqual({ min: expect.closeTo(0.6), max: expect.closeTo(0.9) });
    expect(s.domain('distance').min).toBeCloseTo(0.1); // log scales start at the smallest positive value
    expect(s.domain('distance').max).toBeCloseTo(0.2);
  });

  it('centres a domain where every peer has the same value', () => {
    const s = new RunStore(2);
    s.addPeersLine({ ...peersLine(1, [0.4, 0.4]), distance: [2, 2] });
    const acc = s.domain('accuracy');
    expect(scalePosition(0.4, acc, false)).toBeCloseTo(0.5);
    expect(scalePosition(2, s.domain('distance'), true)).toBeCloseTo(0.5);
  });

  it('tells listeners about frames, metrics and the end', () => {
    const s = new RunStore(1);
    const changes: string[] = [];
    s.onChange((c) => changes.push(c));
    s.addMetricsLine({ round: 1, consensusDistance: 0, bytesSent: 0, roundSeconds: 0 });
    s.addPeersLine(peersLine(1, [0.5]));
    s.finish({ rounds: 1 } as SummaryFile);
    expect(changes).toEqual(['metrics', 'frames', 'done']);
    expect(s.finished).toBe(true);
  });

  it("keeps async runs' counters: messages and peers online per round, wake-ups and messages per peer", () => {
    const s = new RunStore(3);
    s.addMetricsLine({ round: 2, consensusDistance: 0.1, bytesSent: 10, roundSeconds: 0, virtualTime: 2, messagesSent: 40, messagesDropped: 3, messagesDelivered: 30, peersOnline: 2 });
    expect(s.metricsAt(2)).toMatchObject({ messagesSent: 40, messagesDropped: 3, messagesDelivered: 30, peersOnline: 2, virtualTime: 2 });
    const f = s.addPeersLine(peersLine(2, [0.5, 0.5, null], { online: [true, true, false], wakeups: [3, 1, 0], messagesSent: [5, 2, 0] }));
    expect(Array.from(f.wakeups!)).toEqual([3, 1, 0]);
    expect(Array.from(f.messagesSent!)).toEqual([5, 2, 0]);
    expect(Array.from(f.online!)).toEqual([1, 1, 0]);
    expect(s.addPeersLine(peersLine(3, [0.5, 0.5, 0.5])).wakeups).toBeNull(); // synchronous runs have none
  });

  it('reads nulls in metrics.jsonl (non-finite numbers) back as NaN or absent, and drops lines without a round', () => {
    const s = new RunStore(1);
    s.addMetricsLine({ round: 1, consensusDistance: null, bytesSent: 5, roundSeconds: 0, meanAccuracy: null });
    s.addMetricsLine({ round: null, consensusDistance: 1, bytesSent: 0, roundSeconds: 0 });
    expect(s.metrics).toHaveLength(1);
    expect(Number.isNaN(s.metricsAt(1)!.consensusDistance)).toBe(true);
    expect(s.metricsAt(1)!.meanAccuracy).toBeUndefined();
    expect(isFrameLine({ ...peersLine(1, [0.5]), round: null } as PeersLine)).toBe(false);
    expect(isFrameLine({ round: 1 } as PeersLine)).toBe(false);
  });
});

const triangle: TopologyFile = {
  n: 4,
  directed: false,
  nodes: [0, 1, 2, 3].map((id) => ({ id, degree: 0, dataSize: 10, labelCounts: [5, 5] })),
  edges: [
    [0, 1, 0.3],
    [1, 2, 0.3],
    [0, 2, 0.3],
    [2, 0, 0.3], // a duplicate the graph must ignore
    [3, 3, 1], // a self loop too
  ],
};

describe('buildGraph', () => {
  it('makes one node per peer and one edge per distinct link', () => {
    const b = buildGraph(triangle);
    expect(b.graph.order).toBe(4);
    expect(b.graph.size).toBe(3);
    expect(Array.from(b.neighbours[0])).toEqual([1, 2]);
    expect(Array.from(b.edges.degree)).toEqual([2, 2, 2, 0]);
  });

  it('places peers the same way every time', () => {
    const a = buildGraph(triangle).graph.getNodeAttributes('2');
    const b = buildGraph(triangle).graph.getNodeAttributes('2');
    expect(a).toEqual(b);
    expect(hash01(5, 1)).toBe(hash01(5, 1));
    expect(hash01(5, 1)).not.toBe(hash01(6, 1));
  });

  it('sizes peers by degree and shrinks them for big graphs', () => {
    const s = nodeSizes(Int32Array.from([1, 4]));
    expect(s[1]).toBeGreaterThan(s[0]);
    const big = nodeSizes(new Int32Array(10000).fill(4));
    expect(big[0]).toBeLessThan(s[1]);
  });
});

describe('edgeTraffic', () => {
  const b = buildGraph(triangle);
  it('estimates per-edge bytes from per-peer bytes when edges are not recorded', () => {
    const s = new RunStore(4);
    const f1 = s.addPeersLine({ ...peersLine(1, [0.1, 0.1, 0.1, 0.1]), bytesSent: [0, 0, 0, 0] });
    const f2 = s.addPeersLine({ ...peersLine(3, [0.1, 0.1, 0.1, 0.1]), bytesSent: [400, 0, 0, 0] });
    const t = edgeTraffic(b.edges, f2, f1);
    expect(t.exact).toBe(false);
    // peer 0 sent 400 bytes over 2 rounds to 2 neighbours: 100 per edge per round
    expect(Array.from(t.perEdge)).toEqual([100, 0, 100]);
  });

  it('uses recorded edge bytes when present', () => {
    const s = new RunStore(4);
    const f1 = s.addPeersLine({ ...peersLine(1, [0.1, 0.1, 0.1, 0.1]), edgeBytes: [0, 10, 0] });
    const f2 = s.addPeersLine({ ...peersLine(2, [0.1, 0.1, 0.1, 0.1]), edgeBytes: [5, 10, 20] });
    const t = edgeTraffic(b.edges, f2, f1);
    expect(t.exact).toBe(true);
    expect(Array.from(t.perEdge)).toEqual([5, 0, 20]);
    expect(t.max).toBe(20);
  });
});

describe('plasticity links', () => {
  it('reads inLinks by target, skipping malformed entries, self-links, repeats and peers out of range', () => {
    const bad = [
      [[1, 0.5], [2, 0.25], [1, 0.9], [0, 0.3]], // a repeat and a self-link
      'not a list',
      [[0, 1], [9, 0.5], ['x', 0.1], [1, -1], [1, null], [3], null, [3, Infinity], [3, 2]],
      [],
    ];
    const l = readInLinks(bad, 4)!;
    expect(Array.from(l.source)).toEqual([1, 2, 0, 3]);
    expect(Array.from(l.target)).toEqual([0, 0, 2, 2]);
    expect(Array.from(l.strength)).toEqual([0.5, 0.25, 1, 1]); // strengths are clamped to 1
    expect(readInLinks(undefined, 4)).toBeNull();
    expect(readInLinks({ 0: [] }, 4)).toBeNull();
    expect(inNeighbours(l, 2)).toEqual([{ from: 0, strength: 1 }, { from: 3, strength: 1 }]);
    expect(inNeighbours(l, 1)).toEqual([]);
  });

  it('reads at most MAX_IN_LINKS_PER_PEER links per peer', () => {
    const many = [Array.from({ length: 100 }, (_, k) => [k + 1, 0.01])];
    expect(readInLinks(many, 101)!.source.length).toBe(MAX_IN_LINKS_PER_PEER);
  });

  it('keeps the graph equal to the round links, dropping the starting graph and diffing the rest', () => {
    const b = buildGraph({ ...triangle, plasticity: 'hebbian' });
    expect(b.graph.type).toBe('directed');
    const sync = new LinkSync(b.graph, b.nodeKeys);
    const s = new RunStore(4);
    const f1 = s.addPeersLine({ ...peersLine(1, [0.1, 0.1, 0.1, 0.1]), inLinks: [[[1, 0.5], [2, 0.5]], [[0, 1]], [], [[2, 1]]] });
    expect(s.hasLinks).toBe(true);
    expect(sync.apply(f1.links!)).toBe(true);
    expect(b.graph.size).toBe(4);
    expect(b.graph.hasEdge('1', '0') && b.graph.hasEdge('2', '3')).toBe(true);
    expect(sync.apply(f1.links!)).toBe(false); // the same frame again: nothing to do
    const f2 = s.addPeersLine({ ...peersLine(2, [0.1, 0.1, 0.1, 0.1]), inLinks: [[[1, 0.8]], [[0, 1]], [[3, 1]], []] });
    expect(sync.apply(f2.links!)).toBe(true);
    expect(b.graph.size).toBe(3);
    expect(b.graph.getEdgeAttribute('l1>0', 'strength')).toBeCloseTo(0.8);
    expect(b.graph.hasEdge('2', '3')).toBe(false);
    expect(b.graph.hasEdge('3', '2')).toBe(true);
    expect(sync.edgeCount).toBe(3);
  });

  it('rebuilds the edges in one go when many links go, and still holds exactly the round links', () => {
    const n = 30;
    const b = buildGraph({ n, directed: false, plasticity: 'hebbian', edges: [], nodes: [] } as unknown as TopologyFile);
    const sync = new LinkSync(b.graph, b.nodeKeys);
    const ring = (shift: number) => readInLinks(Array.from({ length: n }, (_, i) => [[(i + shift) % n, 0.5]]), n)!;
    let clears = 0;
    b.graph.on('edgesCleared', () => clears++);
    sync.apply(ring(1));
    expect(clears).toBe(1); // the starting graph goes
    sync.apply(ring(2)); // every link changes: more drops than MAX_SINGLE_DROPS
    expect(clears).toBe(2);
    expect(b.graph.size).toBe(n);
    expect(b.graph.edges().every((e) => b.graph.source(e) === String((Number(b.graph.target(e)) + 2) % n))).toBe(true);
    const few = ring(2);
    few.source[0] = 5; // one link moves: dropped alone
    sync.apply(few);
    expect(clears).toBe(2);
    expect(b.graph.size).toBe(n);
    expect(MAX_SINGLE_DROPS).toBeGreaterThan(1);
  });

  it('merges the two directions of a pair on an undirected graph', () => {
    const b = buildGraph(triangle);
    const sync = new LinkSync(b.graph, b.nodeKeys);
    sync.apply(readInLinks([[[1, 0.2]], [[0, 0.7]], [], []], 4)!);
    expect(b.graph.size).toBe(1);
    expect(b.graph.getEdgeAttribute('l0-1', 'strength')).toBeCloseTo(0.7);
  });

  it('gives the layout the links in frame order, as node offsets, with masses from the degrees', () => {
    const l = readInLinks([[[1, 0.5], [2, 0.5]], [], [], []], 4)!;
    const { edges, mass } = linkMatrices(l, 4, 10, 3);
    expect(Array.from(edges)).toEqual([10, 0, 1, 20, 0, 1]);
    expect(Array.from(mass)).toEqual([3, 2, 2, 1]);
  });
});

describe('clusters', () => {
  it('reads clusters from topology.json, ignoring bad ids, and counts peers per cluster', () => {
    const nodes = [0, 1, 1, 'x', 3].map((cluster, id) => ({ id, degree: 1, dataSize: 1, labelCounts: [], cluster: cluster as number }));
    const c = readClusters({ n: 5, nodes, clusters: { count: 4, transform: 'rotate' } })!;
    expect(Array.from(c.of)).toEqual([0, 1, 1, -1, 3]);
    expect(c.count).toBe(4);
    expect(c.transform).toBe('rotate');
    expect(clusterCounts(c.of, c.count)).toEqual([1, 2, 0, 1]);
    expect(readClusters({ n: 1, nodes: [{ id: 0, degree: 0, dataSize: 0, labelCounts: [] }] })).toBeNull();
  });

  it('gives every cluster its own colour', () => {
    const colours = Array.from({ length: 40 }, (_, k) => clusterColor(k));
    expect(new Set(colours).size).toBe(40);
    expect(colours.every((c) => /^#[0-9a-f]{6}$/.test(c))).toBe(true);
  });
});
