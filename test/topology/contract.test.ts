// One suite over every kind: whatever builds the graph, the CSR contract holds.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/rng.js';
import { createTopology, type TopologySpec } from '../../src/topology/index.js';
import { expectValidCsr } from './fixtures.js';

const cases: [TopologySpec, number][] = [
  [{ kind: 'complete' }, 12],
  [{ kind: 'ring', k: 1 }, 3],
  [{ kind: 'ring', k: 4 }, 9],
  [{ kind: 'torus', rows: 5, cols: 7 }, 35],
  [{ kind: 'torus', rows: 2, cols: 3 }, 6],
  [{ kind: 'torus', rows: 1, cols: 4 }, 4],
  [{ kind: 'erdos-renyi', p: 0.2 }, 60],
  [{ kind: 'erdos-renyi', p: 0.9 }, 30],
  [{ kind: 'watts-strogatz', k: 2, beta: 0.5 }, 40],
  [{ kind: 'watts-strogatz', k: 4, beta: 1 }, 9],
  [{ kind: 'barabasi-albert', m: 3 }, 80],
  [{ kind: 'barabasi-albert', m: 1 }, 2],
  [{ kind: 'star' }, 9],
  [{ kind: 'dumbbell' }, 4],
  [{ kind: 'dumbbell' }, 20],
  [{ kind: 'malicious-ring' }, 10],
  [{ kind: 'malicious-ring' }, 16],
  [{ kind: 'directed-ring' }, 2],
  [{ kind: 'directed-ring' }, 11],
  [{ kind: 'directed-exponential' }, 33],
];

describe.each(cases)('topology %o over %i peers', (spec, n) => {
  it('has n peers, sorted rows, no self loops, no duplicate edges, and both directions when undirected', () => {
    for (let seed = 0; seed < 5; seed++) {
      const t = createTopology(spec, n, createRng(seed, 'topology'));
      expect(t.n).toBe(n);
      expect(t.directed).toBe(spec.kind.startsWith('directed'));
      expectValidCsr(t);
    }
  });
});
