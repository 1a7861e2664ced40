// Push-sum and FedAvg live runs that lose a process go on: push-sum's survivors keep their mass
// (PushSumMass) and converge among themselves; FedAvg's replicated server averages the uploads
// that came. A process taken back rejoins each as its protocol would have it.
import { describe, expect, it } from 'vitest';
import type { RoundMetrics } from '../../src/engine/events.js';
import { createWorld } from '../../src/engine/setup.js';
import { PushSumMass, peersOf } from '../../src/live/push-sum-mass.js';
import type { MixingMatrix } from '../../src/types.js';
import { runRecorded, smallConfig, stripTimes } from '../engine/helpers.js';
import { runKilling, type FailedRun } from './failure-helpers.js';
import { runLive } from './live-helpers.js';
import { tempDir, writeConfig } from '../cli/helpers.js';

/** Survivors (outside [a, b)) with an in-neighbour in [a, b): the rows that lose an entry when that slice is lost. */
function readersOf(w: MixingMatrix, [a, b]: [number, number]): number {
  let n = 0;
  for (let i = 0; i < w.n; i++) {
    if (i >= a && i < b) continue;
    if (Array.from(w.cols.subarray(w.offsets[i], w.offsets[i + 1])).some((j) => j >= a && j < b)) n++;
  }
  return n;
}

/** The total push-sum weight of the processes `live` says are in round r (the rejoined node's totals at index 3). */
function liveMass(run: FailedRun, r: number, live: number[]): number {
  return live.reduce((s, p) => s + (run.mass[p][r] ?? 0), 0);
}

const accuracyAt = (run: FailedRun, r: number) => run.rounds.find((m) => m.round === r)!.meanAccuracy!;
const everyRound = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('a live push-sum run that loses a process', () => {
  const directed = { topology: { kind: 'directed-exponential' }, protocol: { kind: 'push-sum' } };

  it('goes on over the survivors: they keep their mass, renormalise their columns and their models contract to one consensus', async () => {
    // no training: the rows only mix, so the consensus distance shows push-sum's contraction alone
    const config = smallConfig({ ...directed, rounds: 30, peers: 12, train: { lr: 0, batchSize: 16 }, model: { kind: 'logistic', init: 'independent' }, eval: { every: 2, testExamples: 200 } });
    const run = await runKilling(config, 3, 1, 4);
    expect(run.rounds.map((m) => m.round)).toEqual(everyRound(30));
    expect(run.summary.aborted).toBe(false);
    expect(run.summary.live?.lost?.map((l) => l.process)).toEqual([1]);
    const readers = readersOf(createWorld(config, 'auto').mixing, [4, 8]);
    expect(readers).toBe(8);
    const after = run.rounds.filter((m) => m.round > 6);
    expect(after.every((m) => m.peersOnline === 8 && m.processesOnline === 2 && m.renormalisedPeers === readers)).toBe(true);
    expect(run.peers.at(-1)!.online).toEqual([true, true, true, true, false, false, false, false, true, true, true, true]);
    // P is doubly stochastic here: every weight stays 1 until the loss, 4 per process
    for (let r = 1; r <= 4; r++) expect(liveMass(run, r, [0, 1, 2])).toBeCloseTo(12, 12);
    // the survivors' total weight: at most the 8 they had, then conserved (their columns sum to 1 over the live receivers)
    const known = run.rounds.find((m) => m.processesOnline === 2)!.round + 2;
    const settled = liveMass(run, known, [0, 2]);
    expect(settled).toBeLessThanOrEqual(8 + 1e-9);
    expect(settled).toBeGreaterThan(0);
    for (let r = known; r <= 30; r++) expect(Math.abs(liveMass(run, r, [0, 2]) - settled), `round ${r}`).toBeLessThan(1e-9);
    // consensus: every round after the loss closer than the one before, and ~1e-6 of where it was
    const distance = (r: number) => run.rounds[r - 1].consensusDistance;
    for (let r = 8; r <= 20; r++) expect(distance(r), `round ${r}`).toBeLessThan(distance(r - 1));
    expect(distance(30)).toBeLessThan(1e-6 * distance(7));
  }, 30_000);

  it('goes on without a process that falls silent once the timeout finds it, the survivors\' mass kept from then on', async () => {
    const config = smallConfig({ ...directed, rounds: 16, peers: 12, eval: { every: 4, testExamples: 300 } });
    const run = await runKilling(config, 3, 1, 5, undefined, 'hang', 400);
    expect(run.rounds.map((m) => m.round)).toEqual(everyRound(16));
    expect(run.warnings.join('\n')).toMatch(/process 1 \(peers 4\.\.7\) lost at round \d+: process [02] heard nothing from it in time/);
    // what they pushed to it before the timeout told them (if anything: here the chain's wait may find it first) is lost
    const found = run.rounds.find((m) => m.processesOnline === 2)!.round;
    const settled = liveMass(run, found + 2, [0, 2]);
    expect(settled).toBeLessThanOrEqual(8 + 1e-9);
    for (let r = found + 2; r <= 16; r++) expect(Math.abs(liveMass(run, r, [0, 2]) - settled), `round ${r}`).toBeLessThan(1e-9);
    expect(run.rounds.filter((m) => m.round > found).every((m) => Number.isFinite(m.consensusDistance))).toBe(true);
  }, 30_000);

  it('renormalises the rows of plain averaging (debias: false), which keeps no weights', async () => {
    const config = smallConfig({ topology: { kind: 'directed-exponential' }, protocol: { kind: 'push-sum', debias: false }, rounds: 16, peers: 12, eval: { every: 4, testExamples: 300 } });
    const run = await runKilling(config, 3, 1, 4);
    expect(run.rounds.map((m) => m.round)).toEqual(everyRound(16));
    const readers = readersOf(createWorld(config, 'auto').mixing, [4, 8]);
    expect(run.rounds.filter((m) => m.round > 6).every((m) => m.peersOnline === 8 && m.renormalisedPeers === readers)).toBe(true);
    expect(run.mass.every((m) => m.length === 0)).toBe(true);
    expect(accuracyAt(run, 16)).toBeGreaterThan(accuracyAt(run, 8));
  }, 30_000);

  it('takes the process back with no mass of its own: the total weight is kept through the rejoin, and everyone learns', async () => {
    const config = smallConfig({ ...directed, rounds: 40, peers: 12, eval: { every: 4, testExamples: 500 } });
    const run = await runKilling(config, 3, 1, 6, 12);
    expect(run.rounds.map((m) => m.round)).toEqual(everyRound(40));
    const back = run.summary.live?.rejoined ?? [];
    expect(back.map((r) => r.process)).toEqual([1]);
    const j = back[0].round;
    expect(j).toBeGreaterThan(12);
    expect(j).toBeLessThan(36);
    const readers = readersOf(createWorld(config, 'auto').mixing, [4, 8]);
    expect(run.rounds.filter((m) => m.round > 8 && m.round < j).every((m) => m.processesOnline === 2 && m.renormalisedPeers === readers)).toBe(true);
    expect(run.rounds.filter((m) => m.round > j).every((m) => m.processesOnline === 3 && m.peersOnline === 12 && m.renormalisedPeers === 0)).toBe(true);
    // the mass of the processes live in each round: constant once the loss is known, through the rejoin (index 3: the rejoined node)
    const mass = (r: number) => liveMass(run, r, r >= j ? [0, 2, 3] : [0, 2]);
    const known = run.rounds.find((m) => m.processesOnline === 2)!.round + 2;
    const settled = mass(known);
    expect(settled).toBeLessThanOrEqual(8 + 1e-9);
    for (let r = known; r <= 40; r++) expect(Math.abs(mass(r) - settled), `round ${r}`).toBeLessThan(1e-9);
    // the rejoined peers got mass in the round they came back at, and hold a fair share of it by the end
    expect(run.mass[3][j]).toBeGreaterThan(0);
    expect(run.mass[3][40]).toBeGreaterThan(settled / 6);
    expect(run.rounds.filter((m) => m.round >= j).every((m) => Number.isFinite(m.consensusDistance))).toBe(true);
    expect(accuracyAt(run, 40)).toBeGreaterThan(accuracyAt(run, 8));
    const acc = run.peers.at(-1)!.accuracy as number[];
    expect(acc.every((a) => a !== null)).toBe(true);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean(acc.slice(4, 8)) - mean([...acc.slice(0, 4), ...acc.slice(8)]))).toBeLessThan(0.05);
  }, 30_000);
});

describe('a live FedAvg run that loses a process', () => {
  /** After the loss is known the replicated servers agree: every peer holds the same model (distance at rounding level). */
  const agreed = (ms: RoundMetrics[]) => ms.every((m) => Number.isFinite(m.consensusDistance) && m.consensusDistance < 1e-9);

  it('goes on: the replicated server averages the survivors\' uploads, the same on every process, and they keep learning', async () => {
    const config = smallConfig({ rounds: 20, peers: 12, protocol: { kind: 'fedavg' }, eval: { every: 2, testExamples: 300 } });
    const run = await runKilling(config, 3, 1, 6);
    expect(run.rounds.map((m) => m.round)).toEqual(everyRound(20));
    expect(run.summary.aborted).toBe(false);
    const after = run.rounds.filter((m) => m.round > 8);
    // every survivor takes a model averaged over fewer uploads than sampled
    expect(after.every((m) => m.peersOnline === 8 && m.processesOnline === 2 && m.renormalisedPeers === 8)).toBe(true);
    expect(agreed(after)).toBe(true);
    const last = run.peers.at(-1)!;
    expect(last.online).toEqual([true, true, true, true, false, false, false, false, true, true, true, true]);
    expect(last.accuracy.slice(4, 8)).toEqual([null, null, null, null]);
    expect(accuracyAt(run, 20)).toBeGreaterThan(accuracyAt(run, 8));
    expect(run.warnings.join('\n')).toMatch(/process 1 \(peers 4\.\.7\) lost at round/);
  }, 30_000);

  it('takes the process back with a sampled fraction: its peers take the server model, and the samples stay in step', async () => {
    const config = smallConfig({ rounds: 40, peers: 12, protocol: { kind: 'fedavg', fraction: 0.5 }, eval: { every: 4, testExamples: 300 } });
    const run = await runKilling(config, 3, 1, 6, 12);
    expect(run.rounds.map((m) => m.round)).toEqual(everyRound(40));
    const j = run.summary.live!.rejoined![0].round;
    const between = run.rounds.filter((m) => m.round > 8 && m.round < j);
    // renormalised only in rounds whose sample drew a lost peer (then every survivor)
    expect(between.every((m) => m.renormalisedPeers === 0 || m.renormalisedPeers === 8)).toBe(true);
    expect(between.some((m) => m.renormalisedPeers === 8)).toBe(true);
    const after = run.rounds.filter((m) => m.round > j);
    expect(after.every((m) => m.processesOnline === 3 && m.peersOnline === 12 && m.renormalisedPeers === 0)).toBe(true);
    // a rejoined process drawing another sample would gather other rows and fail the run; the same sample: one model everywhere
    expect(agreed(run.rounds.filter((m) => m.round >= j))).toBe(true);
    const acc = run.peers.at(-1)!.accuracy;
    expect(new Set(acc).size).toBe(1);
    expect(acc[0]).not.toBeNull();
    expect(accuracyAt(run, 40)).toBeGreaterThan(accuracyAt(run, 8));
  }, 30_000);
});

describe('push-sum\'s mass over processes that lose one', () => {
  it('is the simulator\'s, bit for bit, when none is lost, its weights sent with the rows (uneven out-degrees; a time-varying schedule)', async () => {
    // a directed ring with chords from the even peers: out-degrees 1 and 2, so the weights move away from 1
    const edges = Array.from({ length: 12 }, (_, i) => `${i} ${(i + 1) % 12}${i % 2 === 0 ? `\n${i} ${(i + 3) % 12}` : ''}`).join('\n');
    const path = writeConfig(tempDir('plexus-push-sum-'), 'uneven.txt', edges);
    const graphs = [{ kind: 'file', path, directed: true }, { kind: 'directed-exponential', schedule: { kind: 'one-peer-exponential' } }];
    for (const topology of graphs) {
      const config = smallConfig({ rounds: 10, peers: 12, topology, protocol: { kind: 'push-sum' } });
      const sim = await runRecorded(config);
      const live = await runLive(config, 3);
      expect(JSON.stringify(stripTimes(live.rounds)), topology.kind).toBe(JSON.stringify(stripTimes(sim.rounds)));
      expect(JSON.stringify(live.peers), topology.kind).toBe(JSON.stringify(sim.peers));
    }
  }, 30_000);

  it('keeps the survivors\' total weight and numerator once the loss is known, so x / w converges to their mass-weighted average', () => {
    const P = createWorld(smallConfig({ peers: 12, topology: { kind: 'directed-exponential' }, protocol: { kind: 'push-sum' } }), 'auto').mixing;
    const slices: [number, number][] = [[0, 4], [4, 8], [8, 12]];
    const masses = slices.map((s) => new PushSumMass(new Float64Array(12).fill(1), s));
    // one scalar row per peer
    let z = Float64Array.from({ length: 12 }, (_, i) => i * i);
    const totals = (live: number[]) => {
      let w = 0;
      let x = 0;
      for (const k of live) for (let i = slices[k][0]; i < slices[k][1]; i++) (w += masses[k].weights[i], x += masses[k].weights[i] * z[i]);
      return { w, x };
    };
    const seen: { w: number; x: number }[] = [];
    for (let round = 1; round <= 80; round++) {
      // process 1 dies after round 2; in round 3 the others still push to it (mass lost), from round 4 on they know
      const live = round <= 2 ? [0, 1, 2] : [0, 2];
      const unreached = round <= 3 ? [] : [1];
      for (const k of live) masses[k].share(P, peersOf(slices, unreached));
      // the exchange: each live process's shares reach the others
      for (const k of live) for (const q of live) if (q !== k) masses[k].shares.set(masses[q].shares.subarray(...slices[q]), slices[q][0]);
      const heard = peersOf(slices, live);
      const next = z.slice();
      for (const k of live) {
        const { w } = masses[k].mix(round, heard);
        for (let i = slices[k][0]; i < slices[k][1]; i++) {
          let v = 0;
          for (let e = w.offsets[i]; e < w.offsets[i + 1]; e++) v += w.weights[e] * z[w.cols[e]];
          next[i] = v;
        }
      }
      z = next;
      seen[round] = totals(live);
    }
    expect(seen[2].w).toBeCloseTo(12, 12);
    expect(seen[2].x).toBeCloseTo(506, 9); // the sum of i^2, i < 12
    // round 3 lost what went to process 1; from round 4 on nothing is lost
    expect(seen[3].w).toBeLessThan(8);
    for (let r = 4; r <= 80; r++) {
      expect(seen[r].w).toBeCloseTo(seen[3].w, 12);
      expect(seen[r].x).toBeCloseTo(seen[3].x, 9);
    }
    const target = seen[3].x / seen[3].w;
    for (const i of [0, 1, 2, 3, 8, 9, 10, 11]) expect(z[i]).toBeCloseTo(target, 9);
  });
});
