// Each attack's message against its paper's formula on small hand-made rows (exact), and the
// registry's config checks and placements.
import { describe, expect, it } from 'vitest';
import { alie, alieZ, inverseNormal } from '../../src/adversary/alie.js';
import { dissensus } from '../../src/adversary/dissensus.js';
import { gaussian } from '../../src/adversary/gaussian.js';
import { ipm } from '../../src/adversary/ipm.js';
import { signFlip } from '../../src/adversary/sign-flip.js';
import { placeAdversaries, remapMixing, createAdversaryPlan } from '../../src/adversary/plan.js';
import type { CraftEnv } from '../../src/adversary/types.js';
import { createRng } from '../../src/rng.js';
import { star } from '../../src/topology/star.js';
import { ring } from '../../src/topology/ring.js';
import { createMixing } from '../../src/topology/mixing/index.js';
import { ConfigError } from '../../src/errors.js';
import { smallConfig } from '../engine/helpers.js';
import type { MixingMatrix } from '../../src/types.js';

// 4 peers, dim 3; peer 3 is the adversary; row 0 hears 0, 1, 2, 3 (weights .4 .2 .1 .3)
const w: MixingMatrix = {
  n: 4,
  offsets: Int32Array.from([0, 4, 6, 8, 10]),
  cols: Int32Array.from([0, 1, 2, 3, 0, 1, 0, 2, 0, 3]),
  weights: Float64Array.from([0.4, 0.2, 0.1, 0.3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]),
};
const x = Float32Array.from([1, 2, 3, /* 1 */ 3, 0, -1, /* 2 */ 2, 4, 5, /* 3 (adversary) */ 7, 8, 9]);
const rows = [[1, 2, 3], [3, 0, -1], [2, 4, 5]];

function env(round = 1): CraftEnv {
  return {
    peers: 4, dim: 3, round, seed: 5, adversaries: 1, x, w, adversarial: Uint8Array.from([0, 0, 0, 1]), from: 3, to: 0,
    scratch64: (_n, len) => new Float64Array(len),
  };
}
function craft(attack: { craft?: (spec: never, env: CraftEnv, out: Float32Array) => void }, spec: unknown, e = env()): number[] {
  const out = new Float32Array(3);
  attack.craft!(spec as never, e, out);
  return Array.from(out);
}
const f32 = (v: number[]) => Array.from(Float32Array.from(v));
const mean = (c: number) => (rows[0][c] + rows[1][c] + rows[2][c]) / 3;
const std = (c: number) => Math.sqrt(rows.reduce((s, r) => s + (r[c] - mean(c)) ** 2, 0) / 3);

describe('attack messages', () => {
  it('sign-flip sends -scale times the adversary\'s own (honestly trained) row', () => {
    expect(craft(signFlip, { kind: 'sign-flip', scale: 2 })).toEqual([-14, -16, -18]);
  });

  it('ipm sends -epsilon times the mean of the target\'s honest neighbourhood, target included', () => {
    expect(craft(ipm, { kind: 'ipm', epsilon: 0.5 })).toEqual(f32([0, 1, 2].map((c) => -0.5 * mean(c))));
  });

  it('alie sends the coordinate-wise mean minus z population standard deviations of the honest neighbourhood', () => {
    expect(craft(alie, { kind: 'alie', z: 1.5 })).toEqual(f32([0, 1, 2].map((c) => mean(c) - 1.5 * std(c))));
    const z = alieZ(4, 1);
    expect(craft(alie, { kind: 'alie' })).toEqual(f32([0, 1, 2].map((c) => mean(c) - z * std(c))));
  });

  it('alie\'s default z is the paper\'s z_max: s = floor(n/2 + 1) - f, z = Phi^-1((n - s)/n)', () => {
    expect(inverseNormal(0.975)).toBeCloseTo(1.959964, 5);
    expect(inverseNormal(0.5)).toBe(0);
    expect(inverseNormal(0.01)).toBeCloseTo(-2.326348, 5);
    // 16 peers, 4 adversaries: s = 5, z = Phi^-1(11/16)
    expect(alieZ(16, 4)).toBeCloseTo(0.488776, 5);
    // Baruch et al.'s example: n = 50, f = 12 gives s = 14 and z = Phi^-1(0.72) ~ 0.58
    expect(alieZ(50, 12)).toBeCloseTo(0.582842, 5);
  });

  it('dissensus sends x_i - epsilon * (honest pull on i) / (weight i gives to adversaries)', () => {
    const pull = [0, 1, 2].map((c) => 0.2 * (rows[1][c] - rows[0][c]) + 0.1 * (rows[2][c] - rows[0][c]));
    expect(craft(dissensus, { kind: 'dissensus', epsilon: 1 })).toEqual(f32([0, 1, 2].map((c) => rows[0][c] - pull[c] / 0.3)));
    // epsilon = 1 exactly cancels the honest pull: row 0's mean-gather keeps x_0 (up to rounding)
    const m = craft(dissensus, { kind: 'dissensus', epsilon: 1 });
    for (let c = 0; c < 3; c++) expect(0.4 * rows[0][c] + 0.2 * rows[1][c] + 0.1 * rows[2][c] + 0.3 * m[c]).toBeCloseTo(rows[0][c], 5);
  });

  it('gaussian sends sigma times the adversary\'s seeded normal stream of that round, the same to every target', () => {
    const rng = createRng(5, 'attack', 3, 2);
    expect(craft(gaussian, { kind: 'gaussian', sigma: 3 }, env(2))).toEqual(f32([0, 1, 2].map(() => 3 * rng.normal())));
    expect(craft(gaussian, { kind: 'gaussian', sigma: 3 }, { ...env(2), to: 1 })).toEqual(craft(gaussian, { kind: 'gaussian', sigma: 3 }, env(2)));
    expect(craft(gaussian, { kind: 'gaussian', sigma: 3 }, env(3))).not.toEqual(craft(gaussian, { kind: 'gaussian', sigma: 3 }, env(2)));
  });
});

describe('adversary plan', () => {
  it('places count adversaries at the highest or lowest degree (seeded among ties)', () => {
    const t = star(8);
    expect(placeAdversaries({ peers: { count: 1, placement: 'highest-degree' }, attack: { kind: 'label-flip' }, start: 1 }, t, 1)).toEqual([0]);
    const low = placeAdversaries({ peers: { count: 2, placement: 'lowest-degree' }, attack: { kind: 'label-flip' }, start: 1 }, t, 1);
    expect(low).not.toContain(0);
    const r1 = placeAdversaries({ peers: { count: 3, placement: 'random' }, attack: { kind: 'label-flip' }, start: 1 }, t, 1);
    expect(placeAdversaries({ peers: { count: 3, placement: 'random' }, attack: { kind: 'label-flip' }, start: 1 }, t, 1)).toEqual(r1);
    expect(r1).toHaveLength(3);
  });

  it('gives each adversary -> honest link its own row after the peers\' rows, and leaves every other entry alone', () => {
    const t = ring(8, 1);
    const m = createMixing(t, 'metropolis');
    const plan = createAdversaryPlan({ peers: [2, 3], attack: { kind: 'ipm', epsilon: 0.1 }, start: 1 }, t, m, 0);
    // links: 2 -> 1 and 3 -> 4 (2 <-> 3 is between adversaries)
    expect(Array.from(plan.links)).toEqual([2, 1, 3, 4]);
    const wx = remapMixing(plan);
    for (let i = 0; i < 8; i++) {
      for (let p = m.offsets[i]; p < m.offsets[i + 1]; p++) {
        const expected = i === 1 && m.cols[p] === 2 ? 8 : i === 4 && m.cols[p] === 3 ? 9 : m.cols[p];
        expect(wx.cols[p]).toBe(expected);
      }
    }
    expect(createAdversaryPlan({ peers: [2], attack: { kind: 'label-flip' }, start: 1 }, t, m, 0).links).toHaveLength(0);
  });
});

describe('adversaries config', () => {
  const bad = (adversaries: unknown, over: Record<string, unknown> = {}) => {
    try {
      smallConfig({ adversaries, ...over });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).message;
    }
    return '';
  };
  it('refuses unknown, repeated or all peers, and a count that leaves no honest peer', () => {
    expect(bad({ peers: [3, 16], attack: 'alie' })).toMatch(/adversaries\.peers: 16 is not a peer id/);
    expect(bad({ peers: [3, 3], attack: 'alie' })).toMatch(/3 listed twice/);
    expect(bad({ peers: { count: 16 }, attack: 'alie' })).toMatch(/leaves no honest peer/);
    expect(bad({ peers: [1], attack: 'alei' })).toMatch(/did you mean 'alie'/);
  });
  it('refuses crafted attacks on protocols that do not mix and under changing graphs, and allows label-flip there', () => {
    expect(bad({ peers: [1], attack: 'ipm' }, { protocol: 'push-sum' })).toMatch(/adversaries\.attack: ipm sends crafted models .* push-sum does not/);
    expect(bad({ peers: [1], attack: 'alie' }, { topology: { kind: 'erdos-renyi', p: 0.3, schedule: { kind: 'resample', every: 2 } } })).toMatch(/schedule static/);
    expect(bad({ peers: [1], attack: 'label-flip' }, { protocol: 'push-sum' })).toBe('');
  });
  it('refuses alie whose default z is infinite (11 attackers of 16 on the malicious ring), naming n and f, and an explicit infinite z', () => {
    const ring = { topology: 'malicious-ring', aggregation: { kind: 'clipped-gossip', tau: 0.1 } };
    const message = bad({ peers: { count: 11, placement: 'lowest-degree' }, attack: 'alie' }, ring);
    expect(message).toContain("adversaries.attack: alie's default z = Phi^-1((n - s) / n), s = floor(n/2 + 1) - f, is infinite for n = 16 peers and f = 11 attackers (s = -2, so (n - s) / n = 1.125 is not below 1); set adversaries.attack.z explicitly");
    expect(message).not.toContain('train.lr');
    expect(bad({ peers: { count: 11, placement: 'lowest-degree' }, attack: { kind: 'alie', z: 10 } }, ring)).toBe('');
    expect(bad({ peers: [1, 2, 3, 4, 5, 6, 7, 8, 9], attack: 'alie' })).toMatch(/is infinite for n = 16 peers and f = 9 attackers \(s = 0,/);
    expect(bad({ peers: [1, 2, 3, 4, 5, 6, 7, 8], attack: 'alie' })).toBe(''); // s = 1: z = Phi^-1(15/16), finite
    expect(bad({ peers: [1], attack: { kind: 'alie', z: Infinity } })).toMatch(/adversaries\.attack\.z: .*finite/i);
  });
});
