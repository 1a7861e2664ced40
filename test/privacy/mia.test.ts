import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/rng.js';
import { attackedExamples, lossAuc, MIA_CAP } from '../../src/privacy/mia.js';
import { runRecorded, smallConfig } from '../engine/helpers.js';
import type { SharedState } from '../../src/engine/shared-state.js';

const f64 = (a: number[]) => Float64Array.from(a);

/** P(member < non-member) + 0.5 P(tie) over all pairs, the O(m^2) way. */
function bruteAuc(a: Float64Array, b: Float64Array): number {
  let wins = 0;
  for (const u of a) for (const v of b) wins += u < v ? 1 : u === v ? 0.5 : 0;
  return wins / (a.length * b.length);
}

describe('lossAuc', () => {
  it('is 1 when every member loss is below every non-member loss, 0 when above', () => {
    expect(lossAuc(f64([0.1, 0.2, 0.3]), f64([0.4, 0.5, 0.6]))).toBe(1);
    expect(lossAuc(f64([0.4, 0.5, 0.6]), f64([0.1, 0.2, 0.3]))).toBe(0);
  });

  it('counts ties as half', () => {
    expect(lossAuc(f64([1, 1, 1]), f64([1, 1, 1]))).toBe(0.5);
    // pairs: 0.5 < 1 and 0.5 < 2 (2), 1 ties 1 (0.5), 1 < 2 (1): 3.5 of 4
    expect(lossAuc(f64([0.5, 1]), f64([1, 2]))).toBe(3.5 / 4);
  });

  it('matches the brute-force pair count on seeded random data with many ties', () => {
    const rng = createRng(3, 'test', 'mia');
    for (let trial = 0; trial < 20; trial++) {
      const a = Float64Array.from({ length: 1 + rng.int(60) }, () => rng.int(12) / 4);
      const b = Float64Array.from({ length: 1 + rng.int(60) }, () => (rng.int(12) + trial % 3) / 4);
      const expected = bruteAuc(a, b);
      expect(lossAuc(a.slice(), b.slice())).toBeCloseTo(expected, 12);
    }
  });

  it('is NaN when a set is empty', () => {
    expect(lossAuc(f64([]), f64([1]))).toBeNaN();
  });
});

describe('attackedExamples', () => {
  // labels: train example i has i % 4 (shard 0 holds the upper half), test example k has (k * 7) % 5 (class 4 never in train)
  const state = (count: number, testN: number) => ({
    partOffsets: Int32Array.from([0, count, 2 * count]),
    order: Int32Array.from({ length: 2 * count }, (_, i) => 2 * count - 1 - i),
    trainY: Uint8Array.from({ length: 2 * count }, (_, i) => i % 4),
    testY: Uint8Array.from({ length: testN }, (_, k) => (k * 7) % 5),
  }) as unknown as SharedState;
  const labels = (idx: Int32Array, y: Uint8Array) => Array.from(idx, (i) => y[i]);

  it('draws each non-member with its member\'s label, distinct while the class has enough', () => {
    const s = state(40, 500);
    const { members, nonMembers } = attackedExamples(s, 1, 500, 0);
    expect(labels(nonMembers, s.testY)).toEqual(labels(members, s.trainY));
    // 100 test examples per class: 10 members per class never reuse one
    expect(new Set(nonMembers).size).toBe(40);
    // a class the block lacks: members of label 3 sit out when the block has no 3
    const s2 = { ...s, testY: Uint8Array.from({ length: 500 }, (_, k) => k % 3) } as SharedState;
    const two = attackedExamples(s2, 1, 500, 0);
    expect(two.members.length).toBe(30);
    expect(labels(two.nonMembers, s2.testY)).toEqual(labels(two.members, s2.trainY));
  });

  it("takes all of a small shard and as many test examples, whatever the epoch's shuffle", () => {
    const s = state(40, 500);
    const { members, nonMembers } = attackedExamples(s, 1, 500, 0);
    expect(Array.from(members)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(nonMembers.length).toBe(40);
    expect(new Set(nonMembers).size).toBe(40);
    expect(Math.max(...nonMembers)).toBeLessThan(500);
    createRng(1).shuffle(s.order, 0, 40);
    expect(attackedExamples(s, 1, 500, 0)).toEqual({ members, nonMembers });
  });

  it('samples at most MIA_CAP of each, distinct, from the peer\'s own shard', () => {
    const s = state(3000, 2000);
    const { members, nonMembers } = attackedExamples(s, 0, 2000, 5);
    expect(members.length).toBe(MIA_CAP);
    expect(nonMembers.length).toBe(MIA_CAP);
    expect(new Set(members).size).toBe(MIA_CAP);
    expect(Math.min(...members)).toBeGreaterThanOrEqual(3000);
  });
});

/** Few examples per peer, many local steps, a wide MLP on hard blobs, no gossip to dilute it: memorisation. */
function overfitting(over: Record<string, unknown> = {}) {
  return smallConfig({
    peers: 8,
    rounds: 6,
    protocol: 'local',
    data: { dataset: { kind: 'blobs', classes: 4, features: 32, trainSize: 2000, testSize: 400, separation: 1 }, examplesPerPeer: 32 },
    model: { kind: 'mlp', hidden: [128], init: 'independent' },
    train: { lr: 0.2, batchSize: 16, localSteps: 20 },
    eval: { every: 6, testExamples: 400, atStart: true, privacy: true },
    ...over,
  });
}

describe('membership inference in a run', () => {
  it('finds the members of overfitted models (AUC well above 0.5) and not of the initial ones', async () => {
    const { rounds, peers, summary } = await runRecorded(overfitting());
    const [start, end] = rounds.filter((r) => r.miaAuc !== undefined);
    expect(start.round).toBe(0);
    expect(Math.abs(start.miaAuc! - 0.5)).toBeLessThan(0.05);
    expect(end.miaAuc).toBeGreaterThan(0.7);
    const last = peers[peers.length - 1].miaAuc!;
    expect(last).toHaveLength(8);
    expect(last.reduce((a, b) => a! + b!, 0)! / 8).toBeCloseTo(end.miaAuc!, 12);
    expect(Math.max(...(last as number[]))).toBe(end.miaAucMax);
    expect(summary.finalMiaAuc).toBe(end.miaAuc);
  });

  it('leaks less under DP-SGD, the more noise the less, toward 0.5', async () => {
    const auc = async (noise?: number) => {
      const privacy = noise === undefined ? undefined : { dp: { clip: 1, noise } };
      const { rounds } = await runRecorded(overfitting({ privacy }));
      return rounds[rounds.length - 1].miaAuc!;
    };
    // measured: 0.751 without DP, 0.636 with noise 1, 0.557 with noise 8
    const [none, some, much] = [await auc(), await auc(1), await auc(8)];
    expect(some).toBeLessThan(none - 0.03);
    expect(much).toBeLessThan(some - 0.03);
    expect(Math.abs(much - 0.5)).toBeLessThan(0.06);
  });

  it('attacks what each peer trained on: its cluster\'s labels, without the probe batch plasticity holds out', async () => {
    // members read with the untransformed labels would score as badly as strangers (AUC near or under 0.5)
    const config = overfitting({
      protocol: 'dpsgd', topology: { kind: 'ring', k: 1 },
      model: { kind: 'mlp', hidden: [256], init: 'independent' },
      train: { lr: 0.2, batchSize: 16, localSteps: 40 },
      data: { dataset: { kind: 'blobs', classes: 4, features: 32, trainSize: 2000, testSize: 400, separation: 1 }, examplesPerPeer: 40, clusters: { count: 2, transform: 'permute-labels' } },
      plasticity: { rule: 'hebbian', degree: 2, grow: { every: 2, candidates: 1 }, probe: 8 },
    });
    const { rounds, peers } = await runRecorded(config);
    const end = rounds[rounds.length - 1];
    expect(end.miaAuc).toBeGreaterThan(0.62);
    // 32 members a peer: one peer's AUC has a spread of about 1 / sqrt(6 x 32) = 0.07
    for (const auc of peers[peers.length - 1].miaAuc!) expect(auc).toBeGreaterThan(0.5);
  });

  it('attacks only the evaluated peers: null elsewhere', async () => {
    const { rounds, peers } = await runRecorded(overfitting({ rounds: 2, eval: { every: 2, testExamples: 400, peers: 3, privacy: true } }));
    const per = peers[0].miaAuc!;
    expect(per.filter((v) => v === null)).toHaveLength(5);
    expect(rounds[1].evaluatedPeers).toBe(3);
  });

  it('leaves no miaAuc in the metrics without eval.privacy', async () => {
    const { rounds, peers } = await runRecorded(overfitting({ rounds: 2, eval: { every: 2, testExamples: 400 } }));
    expect(rounds[1].miaAuc).toBeUndefined();
    expect(peers[0].miaAuc).toBeUndefined();
  });

  it('gives the same AUCs inline and with 2 worker threads (needs npm run build)', async () => {
    const config = overfitting({ rounds: 3, eval: { every: 3, testExamples: 400, privacy: true } });
    const a = await runRecorded(config, { workers: 0 });
    const b = await runRecorded(config, { workers: 2 });
    expect(b.summary.workers).toBe(2);
    expect(a.rounds[2].miaAuc).toBeGreaterThan(0.6);
    expect(b.peers.map((p) => p.miaAuc)).toEqual(a.peers.map((p) => p.miaAuc));
    expect(b.rounds.map((r) => [r.miaAuc, r.miaAucMax])).toEqual(a.rounds.map((r) => [r.miaAuc, r.miaAucMax]));
  });
});
