import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../src/errors.js';
import {
  components,
  degrees,
  directedExponential,
  edgeCount,
  fromEdges,
  hasEdge,
  inDegrees,
  inNeighbors,
  isConnected,
  maxDegree,
  ring,
  star,
  toGraphology,
} from '../../src/topology/index.js';
import { expectValidCsr } from './fixtures.js';

describe('fromEdges', () => {
  it('sorts rows, removes duplicates and stores undirected edges both ways', () => {
    const t = fromEdges(4, [[3, 0], [0, 3], [1, 0], [2, 1], [1, 2]], false);
    expectValidCsr(t);
    expect(Array.from(t.offsets)).toEqual([0, 2, 4, 5, 6]);
    expect(Array.from(t.neighbors)).toEqual([1, 3, 0, 2, 1, 0]);
    expect(edgeCount(t)).toBe(3);
  });

  it('keeps directed edges one-way', () => {
    const t = fromEdges(3, [[0, 1], [0, 1], [2, 1]], true);
    expect(Array.from(t.neighbors)).toEqual([1, 1]);
    expect(Array.from(t.offsets)).toEqual([0, 1, 1, 2]);
  });

  it('rejects self loops and ids outside 0..n-1', () => {
    expect(() => fromEdges(3, [[1, 1]], false)).toThrow(TopologyError);
    expect(() => fromEdges(3, [[0, 3]], false)).toThrow(/peer ids run from 0 to 2/);
    expect(() => fromEdges(3, [[0, 1.5]], false)).toThrow(TopologyError);
  });
});

describe('graph questions', () => {
  it('counts components largest first, weakly for directed graphs', () => {
    expect(components(fromEdges(7, [[0, 1], [1, 2], [3, 4]], false))).toEqual([3, 2, 1, 1]);
    expect(components(fromEdges(3, [[0, 1], [2, 1]], true))).toEqual([3]);
    expect(isConnected(ring(9, 1))).toBe(true);
    expect(isConnected(fromEdges(3, [[0, 1]], false))).toBe(false);
  });

  it('reports degrees, the maximum degree and edge membership', () => {
    const t = star(5);
    expect(Array.from(degrees(t))).toEqual([4, 1, 1, 1, 1]);
    expect(maxDegree(t)).toBe(4);
    expect(hasEdge(t, 0, 3)).toBe(true);
    expect(hasEdge(t, 1, 3)).toBe(false);
  });

  it('reverses a directed graph into sorted in-neighbour rows', () => {
    const t = directedExponential(6); // i -> i+1, i+2, i+4
    const rev = inNeighbors(t);
    expect(Array.from(rev.neighbors.subarray(rev.offsets[0], rev.offsets[1]))).toEqual([2, 4, 5]);
    expect(Array.from(inDegrees(t))).toEqual(new Array(6).fill(3));
    for (let i = 0; i < t.n; i++) {
      for (let p = rev.offsets[i]; p < rev.offsets[i + 1]; p++) expect(hasEdge(t, rev.neighbors[p], i)).toBe(true);
    }
  });

  it('converts to a graphology graph with nodes 0..n-1 and each edge once', () => {
    const g = toGraphology(ring(6, 1));
    expect(g.type).toBe('undirected');
    expect(g.order).toBe(6);
    expect(g.size).toBe(6);
    expect(g.hasEdge('5', '0')).toBe(true);
    const d = toGraphology(directedExponential(6));
    expect(d.type).toBe('directed');
    expect(d.size).toBe(18);
    expect(d.hasDirectedEdge('0', '4')).toBe(true);
    expect(d.hasDirectedEdge('1', '0')).toBe(false); // 0 -> 1 only
  });
});
