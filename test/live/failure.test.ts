// A live run that loses a process goes on: the others renormalise their mixing over the
// neighbours that answered, the chain forms over the live processes, and the metrics say so.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RoundMetrics } from '../../src/engine/events.js';
import { neighbourMeans, renormalise } from '../../src/live/exchange.js';
import { createWorld } from '../../src/engine/setup.js';
import { smallConfig } from '../engine/helpers.js';
import { runKilling } from './failure-helpers.js';
import { jsonLines, lineCount, start, tempDir, until, writeConfig } from '../cli/helpers.js';
import type { PeersLine } from '../../src/run-format/index.js';
import { RunStore } from '../../viz/page/src/store.js';

const built = existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'live-command.js'));

describe('a live run that loses a process', () => {
  it('goes on with the others: they finish every round, learn, renormalise and say who was online', async () => {
    const config = smallConfig({ rounds: 24, peers: 12, topology: { kind: 'ring', k: 2 }, eval: { every: 4, testExamples: 500 } });
    const run = await runKilling(config, 3, 1, 6);
    expect(run.rounds.map((m) => m.round)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(run.summary.aborted).toBe(false);
    // before the kill nothing says online; after it, peers 4..7 (process 1) are offline
    const before = run.rounds.filter((m) => m.round <= 6);
    expect(before.every((m) => m.peersOnline === undefined)).toBe(true);
    const after = run.rounds.filter((m) => m.round > 8);
    expect(after.every((m) => m.peersOnline === 8 && m.processesOnline === 2)).toBe(true);
    // ring k=2 over 3 slices of 4: peers 2, 3 and 8, 9 read two rows of process 1 each
    expect(after.every((m) => m.renormalisedPeers === 4)).toBe(true);
    expect(after.every((m) => Number.isFinite(m.consensusDistance))).toBe(true);
    // the lost peers send nothing: a round's bytes fall to the 8 live peers' share
    const sent = (r: number) => run.rounds[r - 1].bytesSent - run.rounds[r - 2].bytesSent;
    expect(sent(12)).toBeCloseTo((sent(3) * 8) / 12, 6);
    const last = run.peers.at(-1)!;
    expect(last.bytesSent.slice(4, 8)).toEqual(run.peers.find((p) => p.round === 8)!.bytesSent.slice(4, 8));
    expect(last.online).toEqual([true, true, true, true, false, false, false, false, true, true, true, true]);
    expect(last.accuracy.slice(4, 8)).toEqual([null, null, null, null]);
    expect(last.accuracy.filter((a) => a !== null)).toHaveLength(8);
    expect(run.rounds.at(-1)!.evaluatedPeers).toBe(8);
    // accuracy keeps rising after the loss
    const evals = run.rounds.filter((m) => m.meanAccuracy !== undefined);
    const at8 = evals.find((m) => m.round === 8)!.meanAccuracy!;
    expect(evals.at(-1)!.meanAccuracy!).toBeGreaterThan(at8);
    expect(run.warnings.join('\n')).toMatch(/process 1 \(peers 4\.\.7\) lost at round/);
    expect(run.summary.live?.lost?.map((l) => l.process)).toEqual([1]);
  }, 30_000);

  it('goes on when the first or the last process of the consensus chain is the one lost (the first also reports the traffic)', async () => {
    const config = smallConfig({ rounds: 12, peers: 12, eval: { every: 3, testExamples: 300 } });
    for (const victim of [0, 2]) {
      const run = await runKilling(config, 3, victim, 4);
      expect(run.rounds).toHaveLength(12);
      const tail = run.rounds.filter((m) => m.round > 6);
      expect(tail.every((m) => m.processesOnline === 2 && Number.isFinite(m.consensusDistance)), `process ${victim} lost`).toBe(true);
      expect(run.rounds[11].bytesSent).toBeGreaterThan(run.rounds[10].bytesSent);
      const online = run.peers.at(-1)!.online!;
      expect(online.filter(Boolean)).toHaveLength(8);
      expect(online.slice(victim * 4, victim * 4 + 4)).toEqual([false, false, false, false]);
    }
  }, 30_000);

  it('takes a process started again with the lost one\'s index back: its peers restart from their neighbours\' mean and the run ends with everyone', async () => {
    const config = smallConfig({ rounds: 40, peers: 12, topology: { kind: 'ring', k: 2 }, eval: { every: 4, testExamples: 500 } });
    const run = await runKilling(config, 3, 1, 6, 12);
    expect(run.rounds.map((m) => m.round)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const back = run.summary.live?.rejoined ?? [];
    expect(back.map((r) => r.process)).toEqual([1]);
    const j = back[0].round;
    expect(j).toBeGreaterThan(12);
    expect(j).toBeLessThan(40);
    expect(run.warnings.join('\n')).toMatch(new RegExp(`process 1 rejoined: its peers take part again from round ${j}`));
    const between = run.rounds.filter((m) => m.round > 7 && m.round < j);
    expect(between.every((m) => m.processesOnline === 2)).toBe(true);
    // from the round it joins at, its report counts (that round its neighbours still mix without it)
    expect(run.rounds.find((m) => m.round === j)).toMatchObject({ processesOnline: 3, peersOnline: 12, renormalisedPeers: 4 });
    const after = run.rounds.filter((m) => m.round > j);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((m) => m.processesOnline === 3 && m.peersOnline === 12 && m.renormalisedPeers === 0)).toBe(true);
    expect(after.every((m) => Number.isFinite(m.consensusDistance))).toBe(true);
    const last = run.peers.at(-1)!;
    expect(last.online!.every(Boolean)).toBe(true);
    expect(last.accuracy.every((a) => a !== null)).toBe(true);
    // restarted from the neighbours' mean, the rejoined peers sit with the others rather than at the initial model
    const acc = last.accuracy as number[];
    const others = [...acc.slice(0, 4), ...acc.slice(8)];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean(acc.slice(4, 8)) - mean(others))).toBeLessThan(0.05);
    // a fresh model among them would throw the consensus distance up by ~50x (seen: 0.02 against 0.0004)
    const worst = (ms: RoundMetrics[]) => Math.max(...ms.map((m) => m.consensusDistance));
    const rejoining = run.rounds.filter((m) => m.round >= j && m.round <= j + 2);
    expect(worst(rejoining)).toBeLessThan(10 * worst(run.rounds.filter((m) => m.round > 7 && m.round < j)));
  }, 30_000);

  it('goes on without a process that falls silent with its connection open, once --timeout has passed', async () => {
    const config = smallConfig({ rounds: 16, peers: 12, topology: { kind: 'ring', k: 2 }, eval: { every: 4, testExamples: 300 } });
    const t0 = performance.now();
    const run = await runKilling(config, 3, 1, 5, undefined, 'hang', 400);
    expect(run.rounds).toHaveLength(16);
    expect(run.warnings.join('\n')).toMatch(/process 1 \(peers 4\.\.7\) lost at round \d+: process [02] heard nothing from it in time/);
    const tail = run.rounds.filter((m) => m.round > 8);
    expect(tail.every((m) => m.processesOnline === 2 && m.renormalisedPeers === 4 && Number.isFinite(m.consensusDistance))).toBe(true);
    expect(run.peers.at(-1)!.online!.slice(4, 8)).toEqual([false, false, false, false]);
    // one timeout, not one per round
    expect(performance.now() - t0).toBeLessThan(10_000);
  }, 30_000);
});

describe('renormalising a mixing row', () => {
  it('divides the answered weights by their sum and leaves rows that lost nothing as they were', () => {
    const w = createWorld(smallConfig({ peers: 8, topology: { kind: 'ring', k: 1 } }), 'auto').mixing;
    const { w: r, rows } = renormalise(w, [0, 4], (j) => j >= 4);
    expect(rows).toBe(2); // peers 0 (reads 7) and 3 (reads 4)
    const row = (m: typeof w, i: number) => Array.from(m.cols.subarray(m.offsets[i], m.offsets[i + 1])).map((j, k) => [j, m.weights[m.offsets[i] + k]]);
    expect(row(r, 1)).toEqual(row(w, 1));
    expect(row(r, 5)).toEqual(row(w, 5));
    const r3 = row(r, 3);
    expect(r3.map(([j]) => j)).toEqual([2, 3]);
    expect(r3.reduce((s, [, x]) => s + x, 0)).toBeCloseTo(1, 12);
    const w3 = row(w, 3).filter(([j]) => j !== 4);
    expect(r3[0][1] / r3[1][1]).toBeCloseTo(w3[0][1] / w3[1][1], 12);
  });
});

/** 12 peers on a ring (or `graph`) over blobs: a few milliseconds a round over libp2p, so `rounds` sets how long the run lasts. */
function cliConfig(name: string, rounds: number, every: number, graph = 'topology: { kind: ring, k: 2 }'): string {
  return `name: ${name}
seed: 5
peers: 12
rounds: ${rounds}
${graph}
data: { dataset: { kind: blobs, classes: 4, features: 8, trainSize: 2400, testSize: 400 }, examplesPerPeer: 100 }
model: { kind: mlp, hidden: [8] }
train: { lr: 0.1, batchSize: 16 }
eval: { every: ${every}, testExamples: 400 }
`;
}

/** The pid `plexus live`'s process k logs (peers a..b-1), once it has. */
function pidOf(run: ReturnType<typeof start>, k: number): number {
  return Number(new RegExp(`\\[process ${k}\\] peers \\d+\\.\\.\\d+, pid (\\d+)`).exec(run.stderr())?.[1] ?? 0);
}

/** Rounds of the runs that take a process back (--restart, --rejoin): at about 90 rounds/s on a quiet machine, 15 s for it to come back. */
const RESTART_ROUNDS = 1500;

describe.skipIf(!built)('plexus live with a process killed', () => {
  it('ends with a summary, the loss in metrics.jsonl and peers.jsonl, when one of 3 libp2p processes is SIGKILLed', async () => {
    const dir = tempDir('plexus-live-kill-');
    const cfg = writeConfig(dir, 'kill.yaml', cliConfig('kill', 300, 25));
    const out = join(dir, 'live');
    const run = start(['live', cfg, '--processes', '3', '--out', out, '-q']);
    let pid = 0;
    await until(() => (pid = pidOf(run, 1)) > 0, 20_000, 'process 1 to say its pid', run);
    await until(() => lineCount(join(out, 'metrics.jsonl')) >= 10, 20_000, '10 rounds', run);
    process.kill(pid, 'SIGKILL');
    const exit = await run.exited;
    expect(exit.code, run.stderr()).toBe(0);
    const metrics = jsonLines(join(out, 'metrics.jsonl'));
    expect(metrics).toHaveLength(300);
    const after = metrics.filter((m) => m.processesOnline !== undefined);
    expect(after.length).toBeGreaterThan(200);
    expect(after.at(-1)).toMatchObject({ round: 300, peersOnline: 8, processesOnline: 2, renormalisedPeers: 4 });
    const peers = jsonLines(join(out, 'peers.jsonl'));
    const last = peers.at(-1) as { online: boolean[]; accuracy: (number | null)[] };
    expect(last.online.filter(Boolean)).toHaveLength(8);
    expect(last.accuracy.slice(4, 8)).toEqual([null, null, null, null]);
    // the live view's store reads the lines as an async run's: peers 4..7 drawn offline, in the legend too
    const store = new RunStore(12);
    for (const line of peers) store.addPeersLine(line as unknown as PeersLine);
    expect(store.hasOffline).toBe(true);
    expect(Array.from(store.frames.at(-1)!.online!)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.rounds).toBe(300);
    expect(summary.live.lost.map((l: { process: number }) => l.process)).toEqual([1]);
    expect(run.stderr()).toMatch(/process 1 \(peers 4\.\.7\) lost at round \d+/);
  }, 60_000);

  it('starts a killed process again with --restart, and it rejoins', async () => {
    const dir = tempDir('plexus-live-restart-');
    // enough rounds that a restarted process (a new Node.js process loading Plexus: seconds on a
    // busy machine) is back before the run ends, however fast the rounds go
    const cfg = writeConfig(dir, 'restart.yaml', cliConfig('restart', RESTART_ROUNDS, 50));
    const out = join(dir, 'live');
    const run = start(['live', cfg, '--processes', '3', '--out', out, '-q', '--restart']);
    let pid = 0;
    await until(() => (pid = pidOf(run, 2)) > 0, 20_000, 'process 2 to say its pid', run);
    await until(() => lineCount(join(out, 'metrics.jsonl')) >= 10, 20_000, '10 rounds', run);
    process.kill(pid, 'SIGKILL');
    const exit = await run.exited;
    expect(exit.code, run.stderr()).toBe(0);
    expect(run.stderr()).toMatch(/process 2 exited \(killed\); starting it again to rejoin \(--restart\)/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.live.lost.map((l: { process: number }) => l.process)).toEqual([2]);
    expect(summary.live.rejoined.map((l: { process: number }) => l.process)).toEqual([2]);
    expect(jsonLines(join(out, 'metrics.jsonl')).at(-1)).toMatchObject({ round: RESTART_ROUNDS, processesOnline: 3, peersOnline: 12 });
  }, 150_000);

  const graphs = {
    'push-sum': 'topology: { kind: directed-exponential }\nprotocol: { kind: push-sum }',
    fedavg: 'topology: { kind: ring, k: 2 }\nprotocol: { kind: fedavg, fraction: 0.5 }',
  };
  it.each(Object.entries(graphs))('goes on with %s when a libp2p process is SIGKILLed, and takes it back with --restart', async (kind, graph) => {
    const dir = tempDir(`plexus-live-${kind}-`);
    const cfg = writeConfig(dir, 'run.yaml', cliConfig(kind, RESTART_ROUNDS, 50, graph));
    const out = join(dir, 'live');
    const run = start(['live', cfg, '--processes', '3', '--out', out, '-q', '--restart']);
    let pid = 0;
    await until(() => (pid = pidOf(run, 1)) > 0, 20_000, 'process 1 to say its pid', run);
    await until(() => lineCount(join(out, 'metrics.jsonl')) >= 10, 20_000, '10 rounds', run);
    process.kill(pid, 'SIGKILL');
    const exit = await run.exited;
    expect(exit.code, `${kind}: ${run.stderr()}`).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.live.lost.map((l: { process: number }) => l.process), kind).toEqual([1]);
    expect(summary.live.rejoined.map((l: { process: number }) => l.process), kind).toEqual([1]);
    const metrics = jsonLines(join(out, 'metrics.jsonl'));
    expect(metrics, kind).toHaveLength(RESTART_ROUNDS);
    expect(metrics.some((m) => m.processesOnline === 2 && (m.renormalisedPeers as number) > 0), kind).toBe(true);
    expect(metrics.at(-1), kind).toMatchObject({ round: RESTART_ROUNDS, processesOnline: 3, peersOnline: 12, renormalisedPeers: 0 });
    const last = jsonLines(join(out, 'peers.jsonl')).at(-1) as { online: boolean[]; accuracy: (number | null)[] };
    expect(last.online.every(Boolean), kind).toBe(true);
    expect(last.accuracy.every((a) => a !== null && a > 0.5), kind).toBe(true);
  }, 150_000);

  it('takes back a process started again by hand with --rejoin: the run ends with all 3 processes online', async () => {
    const dir = tempDir('plexus-live-rejoin-');
    const cfg = writeConfig(dir, 'rejoin.yaml', cliConfig('rejoin', RESTART_ROUNDS, 50));
    const out = join(dir, 'live');
    const run = start(['live', cfg, '--processes', '3', '--out', out, '-q']);
    let pid = 0;
    let bootstrap = '';
    await until(() => {
      pid = pidOf(run, 1);
      bootstrap = /bootstrap file (\S+)/.exec(run.stderr())?.[1] ?? '';
      return pid > 0 && bootstrap !== '';
    }, 20_000, 'process 1 to say its pid', run);
    await until(() => lineCount(join(out, 'metrics.jsonl')) >= 10, 20_000, '10 rounds', run);
    process.kill(pid, 'SIGKILL');
    // the lost process's own key and the run's secret: nobody else may take its index
    const again = start(['node', cfg, '--index', '1', '--processes', '3', '--bootstrap', bootstrap, '--key', join(dirname(bootstrap), 'key-1'), '--secret', join(dirname(bootstrap), 'secret'), '--rejoin']);
    const [exit, againExit] = await Promise.all([run.exited, again.exited]);
    expect(exit.code, run.stderr()).toBe(0);
    expect(againExit.code, again.stderr()).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.live.lost.map((l: { process: number }) => l.process)).toEqual([1]);
    const j = summary.live.rejoined[0].round;
    expect(j).toBeLessThan(RESTART_ROUNDS);
    const metrics = jsonLines(join(out, 'metrics.jsonl'));
    expect(metrics).toHaveLength(RESTART_ROUNDS);
    expect(metrics.at(-1)).toMatchObject({ round: RESTART_ROUNDS, peersOnline: 12, processesOnline: 3, renormalisedPeers: 0 });
    expect(metrics.some((m) => m.processesOnline === 2)).toBe(true);
    const last = jsonLines(join(out, 'peers.jsonl')).at(-1) as { online: boolean[]; accuracy: (number | null)[] };
    expect(last.online.every(Boolean)).toBe(true);
    expect(last.accuracy.every((a) => a !== null)).toBe(true);
    expect(run.stderr()).toMatch(new RegExp(`process 1 rejoined: its peers take part again from round ${j}`));
  }, 150_000);
});

describe('a rejoining slice\'s rows', () => {
  it('take the mean of the neighbours outside the slice that answered, or of every such row where a peer has none', () => {
    // ring k=1 over 8 peers, the slice [2, 5): peer 2 reads 1 (and 3), peer 4 reads 5 (and 3), peer 3 only its slice
    const w = createWorld(smallConfig({ peers: 8, topology: { kind: 'ring', k: 1 } }), 'auto').mixing;
    const dim = 2;
    const x = Float32Array.from({ length: 16 }, (_, i) => Math.floor(i / dim) * 10 + (i % dim));
    neighbourMeans(w, x, dim, [2, 5], () => true);
    expect(Array.from(x.subarray(4, 10))).toEqual([10, 11, 30, 31, 50, 51]);
    // peer 5's process did not answer: peer 4 has no outside neighbour left and takes the mean of what came (peer 1's row)
    const y = Float32Array.from({ length: 16 }, (_, i) => Math.floor(i / dim) * 10 + (i % dim));
    neighbourMeans(w, y, dim, [2, 5], (j) => j !== 5);
    expect(Array.from(y.subarray(4, 10))).toEqual([10, 11, 10, 11, 10, 11]);
  });
});
