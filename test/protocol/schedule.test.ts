// Schedules: each round's matrix is a proper mixing matrix of that round's graph, random
// schedules depend only on (seed, round), and bad peer counts fail with a clear message.
import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../src/errors.js';
import { createRng } from '../../src/rng.js';
import { createTopology } from '../../src/topology/index.js';
import { createMixing } from '../../src/topology/mixing/index.js';
import { createSchedule, exponentialHops, type Schedule } from '../../src/topology/schedule/index.js';
import type { MixingMatrix, Topology } from '../../src/types.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';

const mixingFor = (t: Topology) => createMixing(t, t.directed ? 'column-stochastic' : 'metropolis');

function scheduleFor(spec: Parameters<typeof createSchedule>[0], topo: { kind: string; [k: string]: unknown }, n: number, seed = 3): Schedule {
  const topology = createTopology(topo as never, n, createRng(seed, 'topology'));
  return createSchedule(spec, {
    topology, mixing: mixingFor(topology), topologyKind: topo.kind, seed, mixingFor,
    draw: (rng) => createTopology(topo as never, n, rng),
  });
}

function sums(w: MixingMatrix): { rows: number[]; cols: number[] } {
  const rows = new Array(w.n).fill(0);
  const cols = new Array(w.n).fill(0);
  for (let i = 0; i < w.n; i++) {
    for (let k = w.offsets[i]; k < w.offsets[i + 1]; k++) {
      rows[i] += w.weights[k];
      cols[w.cols[k]] += w.weights[k];
    }
  }
  return { rows, cols };
}

function edges(t: Topology): string {
  const out: string[] = [];
  for (let i = 0; i < t.n; i++) for (let k = t.offsets[i]; k < t.offsets[i + 1]; k++) out.push(`${i}-${t.neighbors[k]}`);
  return out.join(',');
}

describe('schedules', () => {
  const all: [string, () => Schedule][] = [
    ['static', () => scheduleFor({ kind: 'static' }, { kind: 'ring', k: 2 }, 12)],
    ['random-matching', () => scheduleFor({ kind: 'random-matching' }, { kind: 'complete' }, 12)],
    ['one-peer-exponential', () => scheduleFor({ kind: 'one-peer-exponential' }, { kind: 'directed-exponential' }, 12)],
    ['resample', () => scheduleFor({ kind: 'resample', every: 2 }, { kind: 'erdos-renyi', p: 0.4 }, 12)],
  ];
  for (const [name, make] of all) {
    it(`${name}: every round's matrix is doubly stochastic over that round's edges`, () => {
      const s = make();
      for (let r = 1; r <= 9; r++) {
        const g = s.at(r);
        const { rows, cols } = sums(g.mixing);
        for (let i = 0; i < 12; i++) {
          expect(rows[i]).toBeCloseTo(1, 12);
          expect(cols[i]).toBeCloseTo(1, 12);
          expect(g.outDegrees[i]).toBe(g.topology.offsets[i + 1] - g.topology.offsets[i]);
        }
      }
    });
    it(`${name}: round r's graph depends on the seed and r only, not on the order of asking`, () => {
      const a = make();
      const b = make();
      const forward = [1, 2, 3, 4, 5, 6].map((r) => edges(a.at(r).topology));
      const backward = [6, 5, 4, 3, 2, 1].map((r) => edges(b.at(r).topology)).reverse();
      expect(backward).toEqual(forward);
    });
  }

  it('static returns the very same matrix every round (the hot path sees no change)', () => {
    const s = scheduleFor({ kind: 'static' }, { kind: 'ring', k: 1 }, 8);
    expect(s.timeVarying).toBe(false);
    expect(s.at(1)).toBe(s.at(99));
  });

  it('random-matching gives every peer exactly one partner, a new matching each round', () => {
    const s = scheduleFor({ kind: 'random-matching' }, { kind: 'complete' }, 10);
    const seen = new Set<string>();
    for (let r = 1; r <= 5; r++) {
      const t = s.at(r).topology;
      for (let i = 0; i < 10; i++) expect(t.offsets[i + 1] - t.offsets[i]).toBe(1);
      seen.add(edges(t));
    }
    expect(seen.size).toBe(5);
  });

  it('random-matching refuses an odd number of peers', () => {
    expect(() => scheduleFor({ kind: 'random-matching' }, { kind: 'complete' }, 7)).toThrow(TopologyError);
    expect(() => scheduleFor({ kind: 'random-matching' }, { kind: 'complete' }, 7)).toThrow(/even number of peers/);
  });

  it('one-peer-exponential sends i -> i + 2^((r-1) mod tau), and tau rounds average exactly when n is a power of two', () => {
    const n = 16;
    const s = scheduleFor({ kind: 'one-peer-exponential' }, { kind: 'directed-exponential' }, n);
    const tau = exponentialHops(n);
    expect(tau).toBe(4);
    for (let r = 1; r <= 2 * tau; r++) {
      const t = s.at(r).topology;
      const hop = 2 ** ((r - 1) % tau);
      for (let i = 0; i < n; i++) expect(Array.from(t.neighbors.subarray(t.offsets[i], t.offsets[i + 1]))).toEqual([(i + hop) % n]);
    }
    // x <- W_tau ... W_1 x on the unit vectors: every entry becomes 1/n
    let x = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    for (let r = 1; r <= tau; r++) {
      const w = s.at(r).mixing;
      x = x.map((col) => {
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) for (let k = w.offsets[i]; k < w.offsets[i + 1]; k++) out[i] += w.weights[k] * col[w.cols[k]];
        return out;
      });
    }
    for (const col of x) for (const v of col) expect(v).toBeCloseTo(1 / n, 14);
  });

  it('resample keeps a graph for `every` rounds, then draws another', () => {
    const s = scheduleFor({ kind: 'resample', every: 3 }, { kind: 'erdos-renyi', p: 0.4 }, 12);
    const e = [1, 2, 3, 4, 5, 6, 7].map((r) => edges(s.at(r).topology));
    expect(e[1]).toBe(e[0]);
    expect(e[2]).toBe(e[0]);
    expect(e[3]).not.toBe(e[0]);
    expect(e[5]).toBe(e[3]);
    expect(e[6]).not.toBe(e[3]);
  });
});

describe('schedule and protocol config errors', () => {
  const base = {
    name: 't', peers: 16, rounds: 5,
    data: { dataset: { kind: 'blobs', classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100 },
    model: { kind: 'logistic' }, train: { batchSize: 16 }, eval: { testExamples: 500 },
  };
  function issues(over: Record<string, unknown>): string[] {
    try {
      resolveConfig({ ...base, ...over });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).issues;
    }
    throw new Error('expected a ConfigError');
  }

  it('names a schedule that needs an even number of peers', () => {
    expect(issues({ peers: 15, topology: { kind: 'complete', schedule: 'random-matching' } })).toEqual([
      'topology.schedule: random-matching needs an even number of peers to pair every peer each round (got 15); use an even peers count',
    ]);
  });
  it('names the topology kind each schedule needs', () => {
    expect(issues({ topology: { kind: 'ring', schedule: 'one-peer-exponential' } })[0]).toMatch(/^topology\.schedule: one-peer-exponential .*set topology\.kind: directed-exponential \(got ring\)/);
    expect(issues({ topology: { kind: 'ring', schedule: { kind: 'resample', every: 2 } } })[0]).toMatch(/^topology\.schedule: resample redraws a random topology, and ring is deterministic/);
  });
  it('suggests the closest schedule for a misspelt one', () => {
    expect(issues({ topology: { kind: 'complete', schedule: 'random-matchin' } })[0]).toBe(
      `topology.schedule: "random-matchin" is not allowed (did you mean 'random-matching'?); use one of static | random-matching | one-peer-exponential | resample`,
    );
  });
  it('rejects a compression fraction outside (0, 1]', () => {
    for (const fraction of [0, -0.1, 1.5]) {
      expect(issues({ protocol: { kind: 'choco', compression: { kind: 'top-k', fraction } } })).toEqual([
        `protocol.compression.fraction: ${fraction} is outside (0, 1]; give the share of coordinates sent, e.g. 0.01 for 1%`,
      ]);
    }
    expect(issues({ protocol: { kind: 'choco', compression: { kind: 'qsgd', levels: 2.5 } } })[0]).toMatch(/^protocol\.compression\.levels:/);
    expect(issues({ protocol: { kind: 'choco', gamma: 0 } })[0]).toMatch(/^protocol\.gamma: 0 is outside \(0, 1\]/);
  });
  it('rejects choco on a changing graph and dpsgd on a directed one', () => {
    expect(issues({ topology: { kind: 'complete', schedule: 'random-matching' }, protocol: 'choco' })[0]).toMatch(/^topology\.schedule: protocol choco needs a fixed graph/);
    expect(issues({ topology: 'directed-ring', protocol: 'dpsgd' })[0]).toMatch(/^topology: directed-ring is a directed graph; protocol dpsgd needs/);
  });
});
