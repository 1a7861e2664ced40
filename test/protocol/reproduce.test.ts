// Small, fast versions of the reproduction experiments in experiments/ (see experiments/RESULTS.md).
// Each asserts the published claim; the full versions run from the CLI.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { runRecorded } from '../engine/helpers.js';
import { gossipConfig, meanRow, norm, runWithParams, spread } from './helpers.js';

const experiments = resolve(__dirname, '../../experiments');
const mnist = (peers: number, examplesPerPeer: number) => ({ dataset: 'mnist', examplesPerPeer, partition: { kind: 'iid' } });

/** First round whose consensus distance is at most `fraction` of the starting one (Infinity if never). */
function roundsTo(distances: number[], start: number, fraction = 1e-3): number {
  const i = distances.findIndex((d) => d <= fraction * start);
  return i < 0 ? Infinity : i + 1;
}

describe('reproductions (small versions)', () => {
  it('push-sum reaches the true average on a directed graph where plain averaging is biased', async () => {
    const topology = { kind: 'file', path: resolve(experiments, 'graphs/directed-hub-16.txt'), directed: true };
    const ps = await runWithParams(gossipConfig({ topology, rounds: 300, protocol: { kind: 'push-sum' } }));
    const plain = await runWithParams(gossipConfig({ topology, rounds: 300, protocol: { kind: 'push-sum', debias: false } }));
    const truth = meanRow(ps.initial);
    const s0 = spread(ps.initial);
    const bias = (rows: Float64Array[]) => norm(meanRow(rows), truth) / s0;
    console.log(`[push-sum bias] push-sum ${bias(ps.final).toExponential(2)}, plain averaging ${bias(plain.final).toExponential(2)} (relative to the initial spread)`);
    expect(bias(ps.final)).toBeLessThan(1e-4);
    expect(bias(plain.final)).toBeGreaterThan(0.05);
  }, 60_000);

  it('one-peer exponential graphs reach consensus in far fewer rounds than a ring with the same traffic', async () => {
    const n = 32;
    const run = async (topology: unknown) => {
      const r = await runWithParams(gossipConfig({ peers: n, topology, rounds: 1500, protocol: 'push-sum' }));
      return { rounds: roundsTo(r.rounds.map((m) => m.consensusDistance), spread(r.initial) ** 2), bytes: r.rounds[0].bytesSent };
    };
    const onePeer = await run({ kind: 'directed-exponential', schedule: 'one-peer-exponential' });
    const ring = await run({ kind: 'directed-ring' });
    console.log(`[one-peer exponential] ${onePeer.rounds} rounds vs directed ring ${ring.rounds} rounds to 1e-3; bytes per round ${onePeer.bytes} vs ${ring.bytes}`);
    expect(onePeer.bytes).toBe(ring.bytes);
    expect(onePeer.rounds).toBeLessThanOrEqual(Math.log2(n));
    expect(ring.rounds).toBeGreaterThan(20 * onePeer.rounds);
  }, 60_000);

  it('CHOCO with top-1% keeps at least 97% of D-PSGD accuracy at under a tenth of the bytes (MNIST, logistic, ring)', async () => {
    const base = {
      name: 'choco-small', seed: 1, peers: 8, rounds: 150, topology: { kind: 'ring', k: 1 },
      data: mnist(8, 1000), model: { kind: 'logistic' }, train: { lr: 0.05, batchSize: 32 },
      eval: { every: 150, testExamples: 2000 },
    };
    const dpsgd = await runRecorded(resolveConfig({ ...base, protocol: 'dpsgd' }));
    const choco = await runRecorded(resolveConfig({ ...base, protocol: { kind: 'choco', compression: { kind: 'top-k', fraction: 0.01 }, gamma: 0.05 } }));
    const acc = choco.summary.finalMeanAccuracy / dpsgd.summary.finalMeanAccuracy;
    const bytes = choco.summary.bytesSent / dpsgd.summary.bytesSent;
    console.log(`[choco] accuracy ${choco.summary.finalMeanAccuracy.toFixed(4)} vs ${dpsgd.summary.finalMeanAccuracy.toFixed(4)} (${(100 * acc).toFixed(1)}%), bytes ${(100 * bytes).toFixed(2)}%`);
    expect(acc).toBeGreaterThanOrEqual(0.97);
    expect(bytes).toBeLessThanOrEqual(0.1);
  }, 120_000);

  it('gossip learning matches FedAvg on IID data for equal messages, and degrades gracefully under 50% drop and churn', async () => {
    const base = {
      name: 'gossip-small', seed: 1, peers: 16, topology: { kind: 'ring', k: 2 },
      data: mnist(16, 500), model: { kind: 'logistic' }, train: { lr: 0.05, batchSize: 32 },
      eval: { every: 1000, testExamples: 2000 },
    };
    // FedAvg: 2 x 16 messages per round; gossip: about 16 per virtual time unit
    const fedavg = await runRecorded(resolveConfig({ ...base, rounds: 40, protocol: 'fedavg' }));
    const gossip = await runRecorded(resolveConfig({ ...base, rounds: 80, protocol: 'gossip-learning', time: { mode: 'async', latency: 0.05 } }));
    // faults: half the messages lost, peers offline about 20% of the time (about 40% delivered);
    // the same virtual time, and 2.5x the time (about as many delivered messages as fault-free)
    const faultyTime = { mode: 'async', latency: 0.05, drop: 0.5, churn: { meanOnline: 8, meanOffline: 2 } };
    const faulty = await runRecorded(resolveConfig({ ...base, rounds: 80, protocol: 'gossip-learning', time: faultyTime }));
    const faultyLong = await runRecorded(resolveConfig({ ...base, rounds: 200, protocol: 'gossip-learning', time: faultyTime }));
    const fedMessages = 40 * 2 * 16;
    console.log(`[gossip] fedavg ${fedavg.summary.finalMeanAccuracy.toFixed(4)} (${fedMessages} msgs), gossip ${gossip.summary.finalMeanAccuracy.toFixed(4)} (${gossip.summary.messagesSent} msgs), with drop 0.5 + churn ${faulty.summary.finalMeanAccuracy.toFixed(4)} (${faulty.summary.messagesDelivered}/${faulty.summary.messagesSent} delivered), in 2.5x the time ${faultyLong.summary.finalMeanAccuracy.toFixed(4)} (${faultyLong.summary.messagesDelivered} delivered)`);
    expect(Math.abs(gossip.summary.messagesSent! - fedMessages)).toBeLessThan(0.1 * fedMessages);
    expect(gossip.summary.finalMeanAccuracy).toBeGreaterThanOrEqual(0.95 * fedavg.summary.finalMeanAccuracy);
    // graceful: slower in proportion to what gets through, not broken
    expect(faulty.summary.finalMeanAccuracy).toBeGreaterThanOrEqual(0.8 * gossip.summary.finalMeanAccuracy);
    expect(faultyLong.summary.finalMeanAccuracy).toBeGreaterThanOrEqual(0.97 * gossip.summary.finalMeanAccuracy);
  }, 120_000);

  it('consensus speed of every static topology follows its spectral gap', async () => {
    const topologies = [
      { kind: 'complete' }, { kind: 'erdos-renyi', p: 0.3 }, { kind: 'barabasi-albert', m: 2 }, { kind: 'watts-strogatz', k: 2, beta: 0.3 },
      { kind: 'torus', rows: 4, cols: 6 }, { kind: 'ring', k: 2 }, { kind: 'star' }, { kind: 'ring', k: 1 },
    ];
    const rows: { name: string; gap: number; predicted: number; observed: number }[] = [];
    for (const topology of topologies) {
      const r = await runWithParams(gossipConfig({ peers: 24, topology, rounds: 400, protocol: 'dpsgd' }));
      const { summary } = await runRecorded(gossipConfig({ peers: 24, topology, rounds: 1, protocol: 'dpsgd' }));
      const rate = summary.slem ** 2;
      const predicted = rate === 0 ? 1 : Math.ceil(Math.log(1e-3) / Math.log(rate));
      const observed = roundsTo(r.rounds.map((m) => m.consensusDistance), spread(r.initial) ** 2);
      rows.push({ name: Object.entries(topology).map(([k, v]) => (k === 'kind' ? v : `${k}=${v}`)).join(' '), gap: summary.spectralGap, predicted, observed });
    }
    console.log('[spectral]\n' + rows.map((r) => `| ${r.name} | ${r.gap.toFixed(4)} | ${r.predicted} | ${r.observed} |`).join('\n'));
    for (const r of rows) {
      // distance shrinks at least by slem^2 per round (W symmetric), and the slowest mode dominates soon
      expect(r.observed).toBeLessThanOrEqual(r.predicted);
      expect(r.observed).toBeGreaterThanOrEqual(0.5 * r.predicted);
    }
    // a larger gap never needs more rounds
    const byGap = [...rows].sort((a, b) => b.gap - a.gap);
    for (let i = 1; i < byGap.length; i++) expect(byGap[i].observed).toBeGreaterThanOrEqual(byGap[i - 1].observed);
  }, 120_000);
});
