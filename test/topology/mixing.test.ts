// One contract suite over every mixing rule and a spread of topologies.
import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../src/errors.js';
import { createRng } from '../../src/rng.js';
import {
  barabasiAlbert,
  complete,
  createMixing,
  directedExponential,
  directedRing,
  erdosRenyi,
  fromEdges,
  ring,
  star,
  torus,
  type MixingRule,
} from '../../src/topology/index.js';
import type { MixingMatrix, Topology } from '../../src/types.js';
import { denseOf } from './fixtures.js';

const undirected: [string, () => Topology][] = [
  ['ring(20, 1)', () => ring(20, 1)],
  ['ring(15, 3)', () => ring(15, 3)],
  ['torus(4, 6)', () => torus(4, 6)],
  ['star(9)', () => star(9)],
  ['complete(7)', () => complete(7)],
  ['erdos-renyi(60, 0.1)', () => erdosRenyi(60, 0.1, createRng(11))],
  ['barabasi-albert(80, 2)', () => barabasiAlbert(80, 2, createRng(12))],
  ['two components', () => fromEdges(5, [[0, 1], [2, 3], [3, 4]], false)],
];
const directed: [string, () => Topology][] = [
  ['directed-ring(8)', () => directedRing(8)],
  ['directed-exponential(21)', () => directedExponential(21)],
  ['irregular digraph', () => fromEdges(5, [[0, 1], [0, 2], [0, 3], [3, 4], [4, 0], [2, 1], [1, 0]], true)],
];

const rowSums = (A: number[][]) => A.map((r) => r.reduce((s, x) => s + x, 0));
const colSums = (A: number[][]) => A[0].map((_, j) => A.reduce((s, r) => s + r[j], 0));

function expectWellFormed(W: MixingMatrix, t: Topology): void {
  expect(W.n).toBe(t.n);
  for (let i = 0; i < W.n; i++) {
    let hasDiag = false;
    for (let p = W.offsets[i]; p < W.offsets[i + 1]; p++) {
      if (p > W.offsets[i]) expect(W.cols[p]).toBeGreaterThan(W.cols[p - 1]);
      if (W.cols[p] === i) hasDiag = true;
      expect(W.weights[p]).toBeGreaterThanOrEqual(0);
    }
    expect(hasDiag, `row ${i} includes the diagonal`).toBe(true);
  }
}

const symmetricRules: MixingRule[] = ['metropolis', 'lazy-metropolis', 'uniform'];

describe.each(symmetricRules)('the %s rule', (rule) => {
  it.each(undirected)('is nonnegative, symmetric and doubly stochastic on %s', (_name, make) => {
    const t = make();
    const W = createMixing(t, rule);
    expectWellFormed(W, t);
    const A = denseOf(W);
    for (const s of rowSums(A)) expect(s).toBeCloseTo(1, 12);
    for (const s of colSums(A)) expect(s).toBeCloseTo(1, 12);
    for (let i = 0; i < t.n; i++) for (let j = 0; j < t.n; j++) expect(A[i][j]).toBe(A[j][i]);
  });

  it('puts weight only on edges and the diagonal', () => {
    const t = ring(10, 1);
    const W = createMixing(t, rule);
    expect(W.cols.length).toBe(t.neighbors.length + t.n);
  });

  it('refuses a directed topology and points to push-sum', () => {
    expect(() => createMixing(directedRing(5), rule)).toThrow(TopologyError);
    expect(() => createMixing(directedRing(5), rule)).toThrow(/column-stochastic/);
  });
});

describe('the column-stochastic (push-sum) rule', () => {
  it.each([...directed, ...undirected])('is nonnegative with every column summing to 1 on %s', (_name, make) => {
    const t = make();
    const W = createMixing(t, 'column-stochastic');
    expectWellFormed(W, t);
    for (const s of colSums(denseOf(W))) expect(s).toBeCloseTo(1, 12);
  });

  it('has W[i][j] = 1/(1 + outdeg j) when j -> i, so row i gathers from its in-neighbours', () => {
    const t = fromEdges(3, [[0, 1], [0, 2], [1, 2]], true);
    const A = denseOf(createMixing(t, 'column-stochastic'));
    expect(A).toEqual([
      [1 / 3, 0, 0],
      [1 / 3, 1 / 2, 0],
      [1 / 3, 1 / 2, 1],
    ]);
  });
});

describe('specific weights', () => {
  it('lazy-metropolis is (I + W_metropolis) / 2: half of each weight off the diagonal, the rest kept', () => {
    const t = star(5);
    const W = denseOf(createMixing(t, 'metropolis'));
    const L = denseOf(createMixing(t, 'lazy-metropolis'));
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(L[i][j]).toBeCloseTo(((i === j ? 1 : 0) + W[i][j]) / 2, 15);
  });

  it('metropolis uses 1/(1 + max degree of the two ends)', () => {
    const A = denseOf(createMixing(star(4), 'metropolis'));
    expect(A[0]).toEqual([1 / 4, 1 / 4, 1 / 4, 1 / 4]); // hub keeps 1 - 3/4
    expect(A[1][1]).toBeCloseTo(3 / 4, 15);
  });

  it('uniform uses 1/(max degree + 1) on every edge', () => {
    const A = denseOf(createMixing(star(4), 'uniform'));
    expect(A[1]).toEqual([1 / 4, 3 / 4, 0, 0]);
  });

  it('metropolis on a complete graph is exact averaging, (1/n) 11^T', () => {
    const A = denseOf(createMixing(complete(5), 'metropolis'));
    for (const row of A) for (const x of row) expect(x).toBeCloseTo(0.2, 15);
  });

  it('rejects an unknown rule by name', () => {
    expect(() => createMixing(ring(5, 1), 'laplacian' as MixingRule)).toThrow(/unknown rule 'laplacian'/);
  });
});
