// Per-edge traffic in peers.jsonl: asynchronous gossip picks one neighbour at a time, so links
// carry different loads; the per-edge counts must add up to what the peers sent.
import { describe, expect, it } from 'vitest';
import { forEachEdge } from '../../src/topology/csr.js';
import { runRecorded, smallConfig } from './helpers.js';

describe('edge traffic', () => {
  it('is reported per edge for asynchronous gossip and adds up to the bytes the peers sent', async () => {
    const config = smallConfig({
      rounds: 10,
      topology: { kind: 'erdos-renyi', p: 0.3 },
      protocol: { kind: 'gossip-learning', variant: 'push-pull' },
      time: { mode: 'async' },
      eval: { every: 5, testExamples: 200 },
    });
    const { peers, engine } = await runRecorded(config);
    const last = peers[peers.length - 1];
    expect(last.edgeBytes).toBeDefined();
    let edges = 0;
    forEachEdge(engine.world.topology, () => edges++);
    expect(last.edgeBytes).toHaveLength(edges);
    const sumEdges = last.edgeBytes!.reduce((a, b) => a + b, 0);
    const sumPeers = last.bytesSent.reduce((a, b) => a + b, 0);
    expect(sumEdges).toBeCloseTo(sumPeers, 6);
    // uneven: some links carried more than others
    expect(Math.max(...last.edgeBytes!)).toBeGreaterThan(Math.min(...last.edgeBytes!));
  });

  it('is left out where every link of a peer carries the same load (synchronous D-PSGD)', async () => {
    const { peers } = await runRecorded(smallConfig({ rounds: 5 }));
    expect(peers[0].edgeBytes).toBeUndefined();
  });
});
