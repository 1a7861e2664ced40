// `plexus live` on an asynchronous gossip-learning config: P `plexus node` processes over js-libp2p
// run it in real time and the observer writes the simulator's async lines.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LiveLink } from '../../src/engine/events.js';
import { joinPeerSlices, type PeerSliceLine } from '../../src/live/peer-files.js';
import { json } from '../../src/cli/run-writer.js';
import { jsonLines, plexus, tempDir, writeConfig } from '../cli/helpers.js';

const built = existsSync(join(process.cwd(), 'dist', 'src', 'live', 'async', 'node.js'));
if (!built) console.warn('async live CLI tests skipped: dist/ is not built; run `npm run build` first');

const config = `name: live-gossip
seed: 7
peers: 16
rounds: 20
topology: { kind: ring, k: 1 }
data: { dataset: { kind: blobs, classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100 }
model: { kind: logistic }
train: { lr: 0.5, batchSize: 16 }
protocol: { kind: gossip-learning, variant: push-pull }
time: { mode: async, period: 0.25, latency: 0.5, drop: 0.2 }
eval: { every: 5, testExamples: 500 }
`;

describe.skipIf(!built)('plexus live with gossip learning', () => {
  it('runs it in real time over two libp2p processes, the senders emulating the latency and drop, each process writing its own files', async () => {
    const dir = tempDir('plexus-live-gossip-');
    const cfg = writeConfig(dir, 'gossip.yaml', config);
    const out = join(dir, 'live');
    const r = await plexus(['live', cfg, '--processes', '2', '--time-scale', '100', '--emulate-network', '--out', out, '-q'], { timeout: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/emulated by the senders \(one time unit = 100 ms\)/);
    const lines = jsonLines(join(out, 'metrics.jsonl'));
    expect(lines.map((m) => m.virtualTime)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const m of lines) expect((m.messagesDelivered as number) + (m.messagesDropped as number)).toBeLessThanOrEqual(m.messagesSent as number);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.messagesSent).toBe(summary.messagesDelivered + summary.messagesDropped);
    expect(summary.messagesDropped / summary.messagesSent).toBeGreaterThan(0.15);
    // chance is 0.25; the simulator reaches 0.62 at time 20 under this latency and drop
    expect(summary.finalMeanAccuracy).toBeGreaterThan(0.45);
    expect(summary.live.transport).toBe('libp2p');
    // 2 s of wall clock for 20 units of 100 ms
    expect(Math.min(...summary.live.roundsSeconds)).toBeGreaterThan(1.9);
    // each process's peers lines joined are the observer's peers.jsonl byte for byte, its links the observer's rows
    const own = [0, 1].map((k) => join(out, 'processes', String(k)));
    const slices = own.map((d) => readFileSync(join(d, 'peers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PeerSliceLine));
    expect(slices.map((ls) => ls.map((l) => l.first))).toEqual([[0, 0, 0, 0], [8, 8, 8, 8]]);
    const joined = slices[0].map((l) => json(joinPeerSlices(slices.map((ls) => ls.find((x) => x.round === l.round)!))) + '\n').join('');
    expect(joined).toBe(readFileSync(join(out, 'peers.jsonl'), 'utf8'));
    own.forEach((d, k) => {
      const links = JSON.parse(readFileSync(join(d, 'links.json'), 'utf8')) as { process: number; roundsSeconds: number; links: LiveLink[] };
      expect(links.roundsSeconds).toBe(summary.live.roundsSeconds[k]);
      expect(json(links.links)).toBe(json(summary.live.links.filter((l: LiveLink) => l.from === k)));
      expect(JSON.parse(readFileSync(join(d, 'process.json'), 'utf8'))).toMatchObject({ process: k, processes: 2, slice: [k * 8, k * 8 + 8], firstRound: 1, lastRound: 20, end: 'done', lost: [] });
    });
    expect(r.stderr).toMatch(/each process's own files: .*processes\/K\//);
  }, 60_000);

  it('runs the simulator\'s churn: its peers are online at the same virtual times as in plexus run', async () => {
    const dir = tempDir('plexus-live-gossip-churn-');
    const cfg = writeConfig(dir, 'churn.yaml', config.replace('drop: 0.2 }', 'drop: 0.2, churn: { meanOnline: 4, meanOffline: 1 } }'));
    const [live, sim] = await Promise.all([
      plexus(['live', cfg, '--processes', '2', '--out', join(dir, 'live'), '-q'], { timeout: 60_000 }),
      plexus(['run', cfg, '--out', join(dir, 'sim'), '-q'], { timeout: 60_000 }),
    ]);
    expect(live.code, live.stderr).toBe(0);
    expect(sim.code, sim.stderr).toBe(0);
    const online = (d: string) => jsonLines(join(dir, d, 'metrics.jsonl')).map((m) => m.peersOnline);
    expect(online('live')).toEqual(online('sim'));
    expect(new Set(online('live')).size).toBeGreaterThan(2);
  }, 60_000);
});
