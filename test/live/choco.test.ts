// CHOCO-SGD live: each peer's compressed update q_i = C(x_i - xhat_i) crosses processes in its
// compressor's encoding and updates the receivers' copies of xhat_i; the run gives the simulator's
// metrics and peers lines, bit for bit, whatever the number of processes.
import { describe, expect, it } from 'vitest';
import { runRecorded, smallConfig, stripTimes } from '../engine/helpers.js';
import { runLive } from './live-helpers.js';
import { runKilling } from './failure-helpers.js';
import { createCompressor, type CompressionSpec } from '../../src/protocol/compression/index.js';
import { rejoinIssues } from '../../src/live/support.js';

const json = (x: unknown) => JSON.stringify(x);

const choco = (compression: CompressionSpec, over: Record<string, unknown> = {}) => smallConfig({
  rounds: 8, peers: 12, topology: { kind: 'ring', k: 2 }, model: { kind: 'mlp', hidden: [16] },
  protocol: { kind: 'choco', compression, gamma: 0.5 }, eval: { every: 4, testExamples: 300, atStart: true }, ...over,
});

describe('a live CHOCO-SGD run', () => {
  for (const compression of [{ kind: 'none' }, { kind: 'top-k', fraction: 0.1 }, { kind: 'qsgd', levels: 4 }, { kind: 'random-k', fraction: 0.2 }] as CompressionSpec[]) {
    it(`gives the simulator metrics and peers lines with compression ${compression.kind}, for 1 to 4 processes`, async () => {
      const config = choco(compression);
      const sim = await runRecorded(config);
      for (const p of [1, 2, 3, 4]) {
        const live = await runLive(config, p);
        expect(json(stripTimes(live.rounds)), `metrics with ${p} processes`).toBe(json(stripTimes(sim.rounds)));
        expect(json(live.peers), `peers with ${p} processes`).toBe(json(sim.peers));
        expect(live.summary.finalMeanAccuracy).toBe(sim.summary.finalMeanAccuracy);
      }
    }, 60_000);
  }

  it('matches when each process runs the consensus in a pool of worker threads (the updates applied on the main thread)', async () => {
    const config = choco({ kind: 'qsgd', levels: 16 }, { peers: 16, topology: { kind: 'torus', rows: 4, cols: 4 } });
    const sim = await runRecorded(config);
    const live = await runLive(config, 2, { workers: 2 });
    expect(json(stripTimes(live.rounds))).toBe(json(stripTimes(sim.rounds)));
    expect(json(live.peers)).toBe(json(sim.peers));
  }, 60_000);

  it('sends each boundary peer\'s update once per round to the other process, compressed: top-k puts 8 bytes per kept coordinate on the link where none puts 4 per coordinate', async () => {
    const sent = async (compression: CompressionSpec) => {
      const live = await runLive(choco(compression), 2);
      const link = live.summary.live!.links.find((l) => l.from === 0 && l.to === 1)!;
      return link.bytesSent;
    };
    const [none, topK] = [await sent({ kind: 'none' }), await sent({ kind: 'top-k', fraction: 0.1 })];
    // mlp 8-16-4: 212 parameters; ring k=2 over slices 0..5 and 6..11: process 1 reads peers 0, 1, 4 and 5
    const dim = 8 * 16 + 16 + 16 * 4 + 4;
    const saved = (dim * 4 - createCompressor({ kind: 'top-k', fraction: 0.1 }).bytes(dim)) * 4 * 8;
    expect(topK).toBeLessThan(none);
    expect(none - topK).toBe(saved);
  }, 60_000);
});

describe('a live CHOCO-SGD run that loses a process', () => {
  it('goes on like dpsgd: the consensus weights renormalised over the neighbours whose updates came, accuracy rising', async () => {
    const config = choco({ kind: 'top-k', fraction: 0.25 }, { rounds: 24, eval: { every: 4, testExamples: 500 } });
    const run = await runKilling(config, 3, 1, 6);
    expect(run.rounds.map((m) => m.round)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(run.summary.aborted).toBe(false);
    const after = run.rounds.filter((m) => m.round > 8);
    expect(after.every((m) => m.peersOnline === 8 && m.processesOnline === 2)).toBe(true);
    // ring k=2 over 3 slices of 4: peers 2, 3 and 8, 9 read two of process 1's estimates each
    expect(after.every((m) => m.renormalisedPeers === 4)).toBe(true);
    expect(after.every((m) => Number.isFinite(m.consensusDistance))).toBe(true);
    const evals = run.rounds.filter((m) => m.meanAccuracy !== undefined);
    expect(evals.at(-1)!.meanAccuracy!).toBeGreaterThan(evals.find((m) => m.round === 8)!.meanAccuracy!);
    expect(run.peers.at(-1)!.online).toEqual([true, true, true, true, false, false, false, false, true, true, true, true]);
    expect(run.summary.live?.lost?.map((l) => l.process)).toEqual([1]);
  }, 60_000);

  it('refuses --rejoin and --restart, whose restarted process would have lost its copies of the neighbours\' estimates', () => {
    expect(rejoinIssues(choco({ kind: 'none' }), '--restart').join('\n')).toMatch(/^--restart: a lost choco process cannot rejoin: .* row operation 'compress'/);
    expect(rejoinIssues(smallConfig(), '--rejoin')).toEqual([]);
  });
});
