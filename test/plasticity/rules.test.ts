import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/rng.js';
import { createTopology, createMixing } from '../../src/topology/index.js';
import { plasticitySchema, type PlasticitySpec } from '../../src/plasticity/schema.js';
import { createPlan, mixingOf, trafficOf, wiringMetrics, ruleOf, type Plan, type PlasticRule, type PlasticShared } from '../../src/plasticity/index.js';
import { samplePeers } from '../../src/plasticity/links.js';

function shared(n: number, perPeer: number): PlasticShared {
  return {
    offsets: new Int32Array(n + 1), sources: new Int32Array(n * perPeer), pair: new Float64Array(n * perPeer), own: new Float64Array(n),
    probeX: new Float32Array(0), probeY: new Uint8Array(0), perPeer: 0,
  };
}

function setup(spec: Partial<PlasticitySpec>, n = 16, k = 4) {
  const full = plasticitySchema.parse({ rule: 'hebbian', ...spec });
  const topology = createTopology({ kind: 'random-regular', k }, n, createRng(1, 'topology'));
  const mixing = createMixing(topology, 'metropolis');
  const rule = ruleOf(full.rule).create({ peers: n, spec: full, seed: 1, topology, mixing });
  const plan = createPlan(shared(n, Math.max(full.degree, full.grow.candidates)), n);
  return { rule, plan, n, spec: full };
}

/** Fills the probes' results: peers of the same group (id mod groups) are useful (loss 0.5), others not (loss 5 to 6, varying by round); own loss 0.5. */
function fakeProbe(plan: Plan, n: number, groups: number, round = 0): void {
  const { offsets, sources, pair, own } = plan.shared;
  for (let i = 0; i < n; i++) {
    own[i] = 0.5;
    for (let e = offsets[i]; e < offsets[i + 1]; e++) pair[e] = sources[e] % groups === i % groups ? 0.5 : 5 + ((i * 31 + sources[e] * 17 + round * 7) % 101) / 100;
  }
}

function inLinks(rule: PlasticRule, i: number): [number, number][] {
  const out: [number, number][] = [];
  rule.forEachInLink(i, (j, s) => out.push([j, s]));
  return out;
}

describe('plastic mixing rows', () => {
  it('are row-stochastic with the self weight included, for every round of a hebbian run', () => {
    const { rule, plan, n } = setup({ grow: { every: 2, candidates: 2 } });
    for (let r = 1; r <= 12; r++) {
      rule.plan(r, plan);
      fakeProbe(plan, n, 4);
      rule.update(r, plan);
      const w = mixingOf(plan, rule, n);
      for (let i = 0; i < n; i++) {
        let sum = 0, self = 0;
        for (let k = w.offsets[i]; k < w.offsets[i + 1]; k++) {
          sum += w.weights[k];
          if (w.cols[k] === i) self = w.weights[k];
          expect(w.weights[k]).toBeGreaterThan(0);
        }
        expect(sum).toBeCloseTo(1, 12);
        expect(self).toBeGreaterThan(0);
      }
    }
  });
});

describe('hebbian', () => {
  it('never receives more than degree models per round, probes included, and never keeps more than degree links', () => {
    const { rule, plan, n, spec } = setup({ degree: 3, grow: { every: 2, candidates: 2 } });
    for (let r = 1; r <= 20; r++) {
      rule.plan(r, plan);
      for (let i = 0; i < n; i++) {
        const got = plan.shared.offsets[i + 1] - plan.shared.offsets[i];
        expect(got).toBeLessThanOrEqual(spec.degree);
        const from = Array.from(plan.shared.sources.subarray(plan.shared.offsets[i], plan.shared.offsets[i + 1]));
        expect(new Set(from).size).toBe(from.length);
        expect(from).not.toContain(i);
      }
      fakeProbe(plan, n, 4);
      rule.update(r, plan);
      for (let i = 0; i < n; i++) expect(inLinks(rule, i).length).toBeLessThanOrEqual(spec.degree);
    }
  });

  it('cuts useless links, grows useful ones, and counts both', () => {
    const { rule, plan, n } = setup({ rate: 0.5, prune: 0.2, grow: { every: 2, candidates: 2 } });
    for (let r = 1; r <= 100; r++) {
      rule.plan(r, plan);
      fakeProbe(plan, n, 4);
      rule.update(r, plan);
    }
    // only same-group links (id mod 4) survive: their usefulness is 1, the others' e^-9
    for (let i = 0; i < n; i++) for (const [j] of inLinks(rule, i)) expect(j % 4).toBe(i % 4);
    const m = wiringMetrics(n, rule, Int32Array.from({ length: n }, (_, i) => i % 4));
    expect(m.round.clusterPurity).toBe(1);
    expect(m.round.meanInDegree).toBe(3); // each group of 4 has 3 others
    expect(rule.grown).toBeGreaterThan(0);
    expect(rule.pruned).toBeGreaterThan(0);
    // every link in place now was grown or was there at the start: links = 4 per peer at start + grown - pruned
    expect(m.round.meanInDegree! * n).toBe(4 * n + rule.grown - rule.pruned);
  });

  it('keeps the starting graph when every neighbour is as good as the peer itself', () => {
    const { rule, plan, n } = setup({ grow: { every: 3, candidates: 1 } });
    const before = Array.from({ length: n }, (_, i) => inLinks(rule, i).map(([j]) => j).sort());
    for (let r = 1; r <= 9; r++) {
      rule.plan(r, plan);
      fakeProbe(plan, n, 1);
      rule.update(r, plan);
    }
    expect(Array.from({ length: n }, (_, i) => inLinks(rule, i).map(([j]) => j).sort())).toEqual(before);
    expect(rule.grown).toBe(0);
  });

  it('counts each received model once in the traffic, sent by its source', () => {
    const { rule, plan, n } = setup({ grow: { every: 1, candidates: 1 } });
    rule.plan(1, plan);
    const t = trafficOf(plan.shared, n, 100);
    expect(t.bytes).toBe(plan.shared.offsets[n] * 100);
    expect(t.perPeer.reduce((a, b) => a + b, 0)).toBe(t.bytes);
  });
});

describe('pens', () => {
  it('keeps the m best of n sampled peers, then fixes neighbours to those kept more than expected', () => {
    const { rule, plan, n, spec } = setup({ rule: 'pens', degree: 2, grow: { candidates: 6 }, selectionRounds: 30 });
    for (let r = 1; r <= 30; r++) {
      rule.plan(r, plan);
      for (let i = 0; i < n; i++) expect(plan.shared.offsets[i + 1] - plan.shared.offsets[i]).toBe(6);
      fakeProbe(plan, n, 4, r);
      rule.update(r, plan);
      if (r < 30) for (let i = 0; i < n; i++) expect(inLinks(rule, i).length).toBe(spec.degree);
    }
    // after phase 1 the neighbours are peers kept more than 30 x 6 / 16 = 11.25 times: same-group ones only (kept whenever sampled, ~12 times)
    for (let i = 0; i < n; i++) for (const [j] of inLinks(rule, i)) expect(j % 4).toBe(i % 4);
    rule.plan(31, plan);
    for (let i = 0; i < n; i++) {
      const from = Array.from(plan.shared.sources.subarray(plan.shared.offsets[i], plan.shared.offsets[i + 1]));
      expect(from).toHaveLength(Math.min(2, inLinks(rule, i).length));
      for (const j of from) expect(inLinks(rule, i).map(([x]) => x)).toContain(j);
    }
  });
});

describe('cluster purity', () => {
  it('is the share of in-link strength from the own cluster, averaged over peers with in-links', () => {
    const links: [number, number][][] = [[[1, 3], [2, 1]], [[0, 1]], [], [[0, 2], [1, 2]]];
    const rule: PlasticRule = {
      grown: 5, pruned: 2, plan: () => {}, update: () => {}, selfStrength: () => 1,
      forEachInLink: (i, f) => links[i].forEach(([j, s]) => f(j, s)),
    };
    const cluster = Int32Array.from([0, 0, 1, 1]);
    const m = wiringMetrics(4, rule, cluster);
    // peer 0: 3 of 4 from cluster 0; peer 1: 1 of 1; peer 2: none (left out); peer 3: 0 of 4
    expect(m.round.clusterPurity).toBeCloseTo((0.75 + 1 + 0) / 3, 15);
    expect(m.round.meanInDegree).toBe(5 / 4);
    expect(m.peers.inLinks![0]).toEqual([[1, 3 / 5], [2, 1 / 5]]);
    expect(m.peers.cluster).toEqual([0, 0, 1, 1]);
    expect(m.round.linksGrown).toBe(5);
  });
});

describe('samplePeers', () => {
  it('draws distinct allowed peers, never self, and all of them when fewer are left', () => {
    const rng = createRng(2);
    for (let t = 0; t < 50; t++) {
      const s = samplePeers(20, 3, 5, (m) => rng.int(m), (j) => j % 2 === 1);
      expect(new Set(s).size).toBe(5);
      for (const j of s) expect(j % 2 === 1 && j !== 3).toBe(true);
    }
    expect(samplePeers(6, 0, 10, (m) => rng.int(m), () => true).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('rule none', () => {
  it('reports the fixed graph with the mixing weights as strengths', () => {
    const { rule } = setup({ rule: 'none' }, 8, 2);
    for (let i = 0; i < 8; i++) {
      const links = inLinks(rule, i);
      expect(links).toHaveLength(2);
      expect(rule.selfStrength(i) + links.reduce((a, [, s]) => a + s, 0)).toBeCloseTo(1, 12);
    }
  });
});
