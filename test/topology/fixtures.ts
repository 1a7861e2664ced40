// Shared helpers for the topology tests: CSR invariants and dense views of sparse matrices.
import { expect } from 'vitest';
import type { MixingMatrix, Topology } from '../../src/types.js';

/** Asserts the CSR contract: sorted rows, ids in range, no self loops or duplicates, symmetric if undirected. */
export function expectValidCsr(t: Topology): void {
  expect(t.offsets.length).toBe(t.n + 1);
  expect(t.offsets[0]).toBe(0);
  expect(t.offsets[t.n]).toBe(t.neighbors.length);
  const edges = new Set<number>();
  for (let i = 0; i < t.n; i++) {
    expect(t.offsets[i + 1]).toBeGreaterThanOrEqual(t.offsets[i]);
    for (let p = t.offsets[i]; p < t.offsets[i + 1]; p++) {
      const j = t.neighbors[p];
      expect(j >= 0 && j < t.n, `neighbour ${j} of ${i} in range`).toBe(true);
      expect(j, `self loop at ${i}`).not.toBe(i);
      if (p > t.offsets[i]) expect(j, `row ${i} strictly ascending`).toBeGreaterThan(t.neighbors[p - 1]);
      edges.add(i * t.n + j);
    }
  }
  if (!t.directed) {
    for (const e of edges) {
      const i = Math.floor(e / t.n);
      const j = e % t.n;
      expect(edges.has(j * t.n + i), `edge ${i}-${j} listed both ways`).toBe(true);
    }
  }
}

export function degreesOf(t: Topology): number[] {
  return Array.from({ length: t.n }, (_, i) => t.offsets[i + 1] - t.offsets[i]);
}

export function edgeSet(t: Topology): string[] {
  const out: string[] = [];
  for (let i = 0; i < t.n; i++) for (let p = t.offsets[i]; p < t.offsets[i + 1]; p++) out.push(`${i}-${t.neighbors[p]}`);
  return out;
}

export function denseOf(W: MixingMatrix): number[][] {
  const A = Array.from({ length: W.n }, () => new Array<number>(W.n).fill(0));
  for (let i = 0; i < W.n; i++) for (let p = W.offsets[i]; p < W.offsets[i + 1]; p++) A[i][W.cols[p]] += W.weights[p];
  return A;
}

/** Eigenvalues of a dense symmetric matrix by cyclic Jacobi rotations: slow, simple, independent of the code under test. */
export function jacobiEigenvalues(input: number[][]): number[] {
  const n = input.length;
  const a = input.map((r) => r.slice());
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off < 1e-26) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((r, i) => r[i]);
}

/** slem from a full spectrum: drop the top eigenvalue (the 1 of the all-ones vector), take the largest modulus left. */
export function slemFromSpectrum(eigs: number[]): number {
  const sorted = eigs.slice().sort((x, y) => y - x);
  return Math.max(0, ...sorted.slice(1).map(Math.abs));
}
