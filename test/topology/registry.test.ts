import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../src/errors.js';
import { createRng } from '../../src/rng.js';
import { createTopology, edgeCount, erdosRenyi, ring } from '../../src/topology/index.js';
import { edgeSet } from './fixtures.js';

describe('createTopology', () => {
  it('builds the kind a spec names with its parameters', () => {
    expect(edgeSet(createTopology({ kind: 'ring', k: 2 }, 12, createRng(0)))).toEqual(edgeSet(ring(12, 2)));
    expect(edgeCount(createTopology({ kind: 'complete' }, 5, createRng(0)))).toBe(10);
  });

  it('draws random kinds only from the rng it is given', () => {
    const a = createTopology({ kind: 'erdos-renyi', p: 0.1 }, 50, createRng(9, 'topology'));
    const b = erdosRenyi(50, 0.1, createRng(9, 'topology'));
    expect(edgeSet(a)).toEqual(edgeSet(b));
  });

  it('requires torus rows x cols to equal the peer count', () => {
    expect(() => createTopology({ kind: 'torus', rows: 3, cols: 4 }, 10, createRng(0))).toThrow(TopologyError);
    expect(() => createTopology({ kind: 'torus', rows: 3, cols: 4 }, 10, createRng(0))).toThrow('3 x 4 = 12, peers = 10');
  });

  it('throws TopologyError for impossible arguments with the field name first', () => {
    expect(() => createTopology({ kind: 'ring', k: 40 }, 64, createRng(0))).toThrow(
      'topology.k: a ring of 64 peers allows k at most 31 (got 40)',
    );
    expect(() => createTopology({ kind: 'watts-strogatz', k: 2, beta: 2 }, 20, createRng(0))).toThrow(/^topology\.beta/);
    expect(() => createTopology({ kind: 'star' }, 1, createRng(0))).toThrow(TopologyError);
    expect(() => createTopology({ kind: 'directed-ring' }, 1, createRng(0))).toThrow(TopologyError);
  });

  it('rejects an unknown kind', () => {
    const spec = { kind: 'hypercube' } as unknown as Parameters<typeof createTopology>[0];
    expect(() => createTopology(spec, 8, createRng(0))).toThrow(/unknown topology kind 'hypercube'/);
  });
});
