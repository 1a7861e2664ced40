// Each live process's own files: its slice's lines of peers.jsonl put end to end are the
// observer's peers.jsonl byte for byte, and its links are the observer's rows for it.
import { describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../../src/config/schema.js';
import type { PeerMetrics } from '../../src/engine/events.js';
import { LiveNode } from '../../src/live/node.js';
import { LiveObserver } from '../../src/live/observer.js';
import { edgeRange, joinPeerSlices, slicePeerLine, type PeerSliceLine } from '../../src/live/peer-files.js';
import { createWorld } from '../../src/engine/setup.js';
import { json } from '../../src/cli/run-writer.js';
import { smallConfig } from '../engine/helpers.js';
import { joined, runWithFiles, type Recorded } from './peer-files-helpers.js';

/** A live run in memory whose nodes keep their own lines. */
function runSyncWithFiles(config: ExperimentConfig, processes: number): Promise<Recorded> {
  return runWithFiles(processes, {
    node: (transport, listeners) => LiveNode.create(config, { transport, processes, ...listeners }),
    observer: (transport) => LiveObserver.create(config, { transport, processes, transportName: 'memory' }),
  });
}

async function expectJoinedIsObserver(config: ExperimentConfig, processes: number): Promise<Recorded> {
  const run = await runSyncWithFiles(config, processes);
  expect(run.observer.length).toBeGreaterThan(0);
  expect(joined(run.processes)).toBe(run.observer);
  run.processes.forEach((f, k) => {
    const [a, b] = run.summary.live!.slices[k];
    for (const l of f.trim().split('\n')) {
      const line = JSON.parse(l) as PeerSliceLine;
      expect(line.first).toBe(a);
      expect(line.accuracy).toHaveLength(b - a);
    }
  });
  // each process's links are the observer's rows from it, byte for byte
  run.links.forEach((rows, k) => expect(json(rows)).toBe(json(run.summary.live!.links.filter((l) => l.from === k))));
  return run;
}

describe('a live process\'s own peers lines', () => {
  it('joined over 2 processes are the observer\'s peers.jsonl byte for byte, with DP epsilon, clusters, the attack\'s AUC and sampled evaluation', async () => {
    const config = smallConfig({
      rounds: 6, privacy: { dp: { clip: 1, noise: 1, delta: 1e-5 }, sampling: 'poisson' },
      data: { dataset: { kind: 'blobs', classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100, clusters: { count: 2, transform: 'permute-labels' } },
      eval: { every: 3, testExamples: 200, peers: 9, privacy: true, averageModel: true, atStart: true },
    });
    const run = await expectJoinedIsObserver(config, 2);
    const last = JSON.parse(run.observer.trim().split('\n').at(-1)!) as PeerMetrics;
    // the fields the slices must carry are there, and some peers are not evaluated (null)
    expect(last.epsilon?.[0]).toBeGreaterThan(0);
    expect(last.cluster).toHaveLength(16);
    expect(last.miaAuc?.some((x) => x === null)).toBe(true);
    expect(last.bytesSent[0]).toBeGreaterThan(0);
    expect(run.observer.trim().split('\n')).toHaveLength(3);
    expect(run.accounts.map((a) => [a.slice, a.firstRound, a.lastRound, a.end])).toEqual([[[0, 8], 0, 6, 'done'], [[8, 16], 0, 6, 'done']]);
  }, 60_000);

  it('joined over 3 processes of unequal slices are the observer\'s, for push-sum on a directed graph', async () => {
    const config = smallConfig({ peers: 14, rounds: 6, topology: { kind: 'directed-exponential' }, protocol: { kind: 'push-sum' }, eval: { every: 2, testExamples: 200 } });
    await expectJoinedIsObserver(config, 3);
  }, 60_000);

  it('joined over 3 processes are the observer\'s for sampled FedAvg', async () => {
    await expectJoinedIsObserver(smallConfig({ rounds: 4, protocol: { kind: 'fedavg', fraction: 0.5 }, eval: { every: 2, testExamples: 200 } }), 3);
  }, 60_000);
});

describe('slicing a peers line', () => {
  it('cuts every per-peer array to the slice, keeps the key order, and joins back to the same text', () => {
    const world = createWorld(smallConfig({ peers: 5, topology: { kind: 'ring', k: 1 } }), 'auto');
    const line: PeerMetrics = {
      round: 4, accuracy: [0.1, null, 0.3, 0.4, 0.5], loss: [1, null, 3, 4, 5], distance: [0, 1, 2, 3, 4], bytesSent: [9, 8, 7, 6, 5],
      edgeBytes: [10, 11, 12, 13, 14], online: [true, true, false, true, true],
    };
    const edges = [edgeRange(world.topology, 0, 2), edgeRange(world.topology, 2, 5)];
    const parts = [slicePeerLine(line, 0, 2, edges[0]), slicePeerLine(line, 2, 5, edges[1])];
    expect(Object.keys(parts[1])).toEqual(['round', 'first', 'accuracy', 'loss', 'distance', 'bytesSent', 'firstEdge', 'edgeBytes', 'online']);
    expect(parts[1]).toMatchObject({ first: 2, accuracy: [0.3, 0.4, 0.5], online: [false, true, true] });
    // a ring of 5 lists edges 0-1, 0-4, 1-2, 2-3, 3-4: peers 0..1 start the first three
    expect(edges).toEqual([[0, 3], [3, 5]]);
    expect(parts[0].edgeBytes).toEqual([10, 11, 12]);
    expect(json(joinPeerSlices([parts[1], parts[0]]))).toBe(json(line));
  });
});
