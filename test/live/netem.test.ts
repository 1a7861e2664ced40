// Live runs across Linux network namespaces joined by veth pairs on a bridge: real sockets between
// real processes, each process in its own namespace. The namespaces' links get delay and loss in the
// kernel's packet path (tc netem where the kernel has sch_netem; else iptables' random DROP and the
// NFQUEUE program tools/nfdelay holding each packet: test/live/netns-helpers.ts), and the live
// asynchronous gossip's accuracy over wall-clock time is compared with the simulator's async mode
// given the same latency. Where neither way works the comparison is skipped with a message, and the
// senders' own emulation of latency and drop (--emulate-network, not the kernel) is compared instead.
// Needs root (ip netns), iproute2, iptables + gcc + libnetfilter-queue-dev (or netem) and a built dist/;
// PLEXUS_NETCOND=nfqueue takes the iptables + NFQUEUE path even where the kernel has netem.
//
// Loss and the simulator's drop: time.drop loses whole messages; the kernel loses packets, which TCP
// sends again, so the live run loses no message to it (asserted) but delays some (a retransmission,
// >= 200 ms). So the simulator gets the live run's message drop (0) and the delay's latency; what the
// retransmissions cost shows in the margin, and the simulator with drop = the packet loss is printed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import type { RoundMetrics, RunSummary } from '../../src/engine/events.js';
import { ranges } from '../../src/engine/runtime.js';
import { runAsyncObserver } from '../../src/live/async/observer.js';
import { createLiveTransport } from '../../src/live/transports.js';
import { BIN, plexus, tempDir } from '../cli/helpers.js';
import { runRecorded } from '../engine/helpers.js';
import { cleanUp, measurePath, Namespaces, probe, type Probe } from './netns-helpers.js';

const DIST = join(process.cwd(), 'dist', 'src');
const built = existsSync(join(DIST, 'live', 'async', 'node.js'));

const found: Probe = built ? await probe() : {};
const netnsMissing = !built ? 'dist/ is not built (npx tsc -p tsconfig.json)' : found.netns;
const how = found.conditioner;
const conditionsMissing = netnsMissing ?? found.noConditioner;
if (netnsMissing) console.warn(`netem tests skipped: ${netnsMissing}`);
else if (conditionsMissing) console.warn(`network-conditions tests skipped: ${conditionsMissing}; the senders' emulation of latency and drop is still compared`);
else if (how?.kind === 'nfqueue') console.warn(`network conditions by iptables (${how.iptables}) and NFQUEUE (tools/nfdelay), not netem: ${found.netemMissing}`);
afterAll(cleanUp);

/**
 * A cycle of `peers` through which every edge joins two processes' slices (0, 8, 1, 9, ... for two
 * of 16), as an edge-list file: every gossip message then crosses the network, as in the simulator.
 */
function crossingCycle(peers: number, processes: number): string {
  const slices = ranges(peers, processes);
  const order = Array.from({ length: slices[0][1] - slices[0][0] }, (_, i) => slices.map(([a]) => a + i)).flat();
  if (order.length !== peers) throw new Error('crossingCycle: the slices differ in size');
  const path = join(tempDir('plexus-netem-topology-'), 'cycle.txt');
  writeFileSync(path, order.map((p, i) => `${p} ${order[(i + 1) % peers]}`).join('\n') + '\n');
  return path;
}

/** An async gossip config: 16 peers waking 4 times a unit (or `peers` waking every `period`), push-pull, `time` added; on a ring, or on `cycle` (an edge-list file). */
function gossip(time: Record<string, unknown>, cycle?: string, { peers = 16, period = 0.25 } = {}, rounds = 20) {
  return resolveConfig({
    name: 'netem-gossip', seed: 7, peers, rounds, topology: cycle ? { kind: 'file', path: cycle } : { kind: 'ring', k: 1 },
    data: { dataset: { kind: 'blobs', classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100 },
    model: { kind: 'logistic' }, train: { lr: 0.5, batchSize: 16 }, protocol: { kind: 'gossip-learning', variant: 'push-pull' },
    time: { mode: 'async', period, ...time }, eval: { every: 2, testExamples: 500 },
  });
}

/** The node side of a live async run, in a child process (the CLI's wiring of it is pending): argv config index processes listen bootstrap scale emulate. */
const ASYNC_NODE = `
const [dist, configPath, index, processes, listen, bootstrap, scale, emulate] = process.argv.slice(1);
const { loadConfigFile } = await import(dist + '/config/resolve.js');
const { createLiveTransport } = await import(dist + '/live/transports.js');
const { waitForBootstrap } = await import(dist + '/live/bootstrap.js');
const { runAsyncLiveNode } = await import(dist + '/live/async/node.js');
const transport = await createLiveTransport('libp2p', Number(index), listen);
try {
  await runAsyncLiveNode(loadConfigFile(configPath), { transport, processes: Number(processes), timeScaleMs: Number(scale), emulateNetwork: emulate === '1' }, async () => {
    const addresses = await transport.start();
    process.stdout.write(JSON.stringify({ addresses }) + '\\n');
    await transport.connect(await waitForBootstrap(bootstrap, Number(processes) + 1, 60000));
  });
} finally {
  await transport.close();
}
`;

/** A live async run: `processes` nodes in namespaces over libp2p, the observer in this process on the bridge. */
async function asyncAcrossNamespaces(net: Namespaces, config: ReturnType<typeof gossip>, opts: { scale: number; emulate: boolean }): Promise<{ rounds: RoundMetrics[]; summary: RunSummary }> {
  const dir = tempDir('plexus-netem-');
  const cfg = join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify(config));
  const bootstrap = join(dir, 'bootstrap.txt');
  const P = net.count;
  const nodes = Array.from({ length: P }, (_, k) => net.spawn(k, ['--input-type=module', '-e', ASYNC_NODE, DIST, cfg, String(k), String(P), `/ip4/${net.address(k)}/tcp/4001`, bootstrap, String(opts.scale), opts.emulate ? '1' : '0']));
  const transport = await createLiveTransport('libp2p', P, `/ip4/${net.host}/tcp/0`);
  const rounds: RoundMetrics[] = [];
  try {
    const summary = await runAsyncObserver(config, { transport, processes: P, transportName: 'libp2p', timeScaleMs: opts.scale, emulateNetwork: opts.emulate }, async (observer) => {
      observer.on('round', (m) => rounds.push(m));
      const own = await transport.start();
      const members = [...(await Promise.all(nodes.map(async (n) => (JSON.parse(await n.stdoutLine) as { addresses: string[] }).addresses))), own];
      writeFileSync(bootstrap, members.map((m) => m.join(' ')).join('\n') + '\n');
      await transport.connect(members);
    });
    const codes = await Promise.all(nodes.map((n) => n.exited));
    expect(codes, nodes.map((n) => n.stderr()).join('\n')).toEqual(nodes.map(() => 0));
    return { rounds, summary };
  } finally {
    for (const n of nodes) n.child.kill('SIGKILL');
    await transport.close();
  }
}

/** The accuracy at a run's first and last evaluations. */
const evaluated = (rounds: RoundMetrics[]) => rounds.filter((m) => m.meanAccuracy !== undefined).map((m) => m.meanAccuracy!);
const first = (rounds: RoundMetrics[]) => evaluated(rounds)[0];
const final = (rounds: RoundMetrics[]) => evaluated(rounds).at(-1)!;

/** Mean accuracy over a run's evaluations (every 2 units): the learning curve's height, less noisy than one point of it. */
const curve = (rounds: RoundMetrics[]) => {
  const acc = rounds.filter((m) => m.meanAccuracy !== undefined && m.round > 0).map((m) => m.meanAccuracy!);
  return acc.reduce((a, b) => a + b, 0) / acc.length;
};

describe.skipIf(netnsMissing !== undefined)('live runs across network namespaces', { timeout: 240_000 }, () => {
  it('synchronous dpsgd over libp2p, each process and the observer in its own namespace, gives the simulator metrics', async () => {
    const net = new Namespaces(3);
    try {
      const dir = tempDir('plexus-netns-sync-');
      const cfg = join(dir, 'sync.yaml');
      writeFileSync(cfg, `name: netns-sync
seed: 5
peers: 12
rounds: 8
topology: { kind: ring, k: 2 }
data: { dataset: { kind: blobs, classes: 4, features: 8, trainSize: 2400, testSize: 400 }, examplesPerPeer: 100 }
model: { kind: logistic }
train: { lr: 0.1, batchSize: 16 }
eval: { every: 4, testExamples: 400 }
`);
      // each member's key and the run secret, as across machines; one port in each namespace's own port space
      const keys = join(dir, 'keys');
      const made = await plexus(['live', 'keys', '--processes', '2', '--out', keys, '--hosts', [0, 1, 2].map((k) => net.address(k)).join(','), '--port', '4001']);
      expect(made.code, made.stderr).toBe(0);
      const bootstrap = join(keys, 'bootstrap.txt');
      const credentials = (k: number) => ['--key', join(keys, `key-${k}`), '--secret', join(keys, 'secret')];
      const nodes = [0, 1].map((k) => net.spawn(k, [BIN, 'node', cfg, '--index', String(k), '--processes', '2', '--listen', `/ip4/${net.address(k)}/tcp/4001`, '--bootstrap', bootstrap, ...credentials(k)]));
      const out = join(dir, 'live');
      const observer = net.spawn(2, [BIN, 'live', cfg, '--processes', '2', '--join', bootstrap, '--listen', `/ip4/${net.address(2)}/tcp/4001`, '--out', out, '-q', ...credentials(2)]);
      const codes = await Promise.all([...nodes, observer].map((p) => p.exited));
      expect(codes, [...nodes, observer].map((p) => p.stderr()).join('\n')).toEqual([0, 0, 0]);
      const simOut = join(dir, 'sim');
      const sim = await plexus(['run', cfg, '--out', simOut, '--workers', '0', '-q']);
      expect(sim.code, sim.stderr).toBe(0);
      const lines = (d: string) => readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
        const { roundSeconds: _s, ...rest } = JSON.parse(l) as Record<string, unknown>;
        return rest;
      });
      expect(lines(out)).toEqual(lines(simOut));
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      expect(summary.live.links.find((l: { from: number; to: number }) => l.from === 0 && l.to === 1).bytesSent).toBeGreaterThan(0);
    } finally {
      net.close();
    }
  });

  // The comparison: 8 peers waking twice a unit, on a cycle whose every edge joins the two processes,
  // 400 ms a unit (a loaded machine's scheduling, tens of ms, weighs little); 400 ms one way (latency
  // 1 unit), 5% of packets lost on the way out of each namespace. The simulator: 0.37 with latency 1,
  // 0.58 without (mean accuracy over time 2..20).
  const SMALL = { peers: 8, period: 0.5 };
  const [SCALE, DELAY, LOSS] = [400, 400, 5];

  // the path check mostly waits out the delay: it runs beside the gossip comparison (each has namespaces of its own)
  it.concurrent.skipIf(conditionsMissing !== undefined)('the delay and loss are in the packet path: TCP round trips take twice the delay, UDP loses the loss', async () => {
    const net = new Namespaces(2);
    try {
      const clean = await measurePath(net, 0, 1, 10, 200);
      await net.condition(how!, DELAY, LOSS);
      const { rtts, udpLoss } = await measurePath(net, 0, 1, 11);
      const counts = net.packets();
      const sorted = [...rtts].sort((x, y) => x - y);
      const median = sorted[sorted.length >> 1];
      console.log(`${how!.kind}: ${DELAY} ms, ${LOSS}% one way; TCP round trip median ${median.toFixed(1)} ms (min ${sorted[0].toFixed(1)}, max ${sorted.at(-1)!.toFixed(1)}; ${Math.max(...clean.rtts).toFixed(1)} ms at most without); UDP lost ${(udpLoss * 100).toFixed(1)}%; the rules dropped ${counts.dropped} of ${counts.passed + counts.dropped} packets`);
      expect(Math.max(...clean.rtts)).toBeLessThan(DELAY); // the bare links are fast: what follows is the conditions
      expect(clean.udpLoss).toBe(0);
      expect(sorted[0]).toBeGreaterThanOrEqual(2 * DELAY - 1);
      expect(median).toBeLessThan(2 * DELAY + 50); // a loaded machine's scheduling, not a retransmission (>= 200 ms)
      // 3000 datagrams: the standard deviation of the loss is 0.4 points
      expect(Math.abs(udpLoss - LOSS / 100)).toBeLessThan(0.025);
      expect(Math.abs(counts.dropped / (counts.passed + counts.dropped) - LOSS / 100)).toBeLessThan(0.025);
    } finally {
      console.log((await net.stopDelays()).join('\n'));
      net.close();
    }
  });

  it.concurrent.skipIf(conditionsMissing !== undefined)('asynchronous gossip under the delay and loss tracks the simulator given the same latency, and loses accuracy to them as the simulator does', async () => {
    const cycle = crossingCycle(SMALL.peers, 2);
    const config = gossip({ latency: DELAY / SCALE }, cycle, SMALL);
    const cleanConfig = gossip({}, cycle, SMALL);
    const [net, bare] = [new Namespaces(2), new Namespaces(2)];
    try {
      await net.condition(how!, DELAY, LOSS);
      // the control, the same run on bare links, side by side: both see the same load of the machine
      const [live, liveClean] = await Promise.all([
        asyncAcrossNamespaces(net, config, { scale: SCALE, emulate: false }),
        asyncAcrossNamespaces(bare, cleanConfig, { scale: SCALE, emulate: false }),
      ]);
      const counts = net.packets();
      const [sim, simClean, simDrop] = [await runRecorded(config), await runRecorded(cleanConfig), await runRecorded(gossip({ latency: DELAY / SCALE, drop: LOSS / 100 }, cycle, SMALL))];
      const [l, lc, s0, c, d] = [live, liveClean, sim, simClean, simDrop].map((r) => curve(r.rounds));
      const s = live.summary;
      const lost = counts.dropped / (counts.passed + counts.dropped);
      console.log(`${how!.kind} ${DELAY} ms, ${LOSS}% across namespaces (${SCALE} ms a unit): mean accuracy over time 2..20 live ${l.toFixed(3)} (${lc.toFixed(3)} on the bare links), simulator ${s0.toFixed(3)} with latency ${DELAY / SCALE} (${c.toFixed(3)} without; ${d.toFixed(3)} with drop ${LOSS / 100} too); live ${first(live.rounds).toFixed(3)} at time 2 and ${final(live.rounds).toFixed(3)} at 20, simulator ${final(sim.rounds).toFixed(3)}; messages sent ${s.messagesSent}, dropped ${s.messagesDropped}; packets dropped ${counts.dropped} of ${counts.passed + counts.dropped}`);
      expect(s.messagesSent).toBe(s.messagesDelivered! + s.messagesDropped!);
      expect(s.messagesDropped).toBe(0); // TCP resent every packet the kernel dropped: the simulator's drop is 0
      expect(Math.abs(lost - LOSS / 100)).toBeLessThan(0.03); // ~1500 packets: a standard deviation of 0.6 points
      // the live run learns, and as the simulator does under the same latency (measured: 0.33-0.35 and 0.37)
      expect(final(live.rounds) - first(live.rounds)).toBeGreaterThan(0.05);
      expect(Math.abs(l - s0)).toBeLessThan(0.1);
      // the conditions cost both accuracy, about as much (measured: the simulator 0.20, the live run
      // 0.14-0.21: the run on bare links is the one a loaded machine slows most, 0.47-0.56)
      expect(c - s0).toBeGreaterThan(0.15);
      expect(lc - l).toBeGreaterThan(0.05);
      expect(Math.abs(lc - l - (c - s0))).toBeLessThan(0.15);
    } finally {
      console.log((await net.stopDelays()).join('\n'));
      net.close();
      bare.close();
    }
  });

  // where the kernel's conditions run this adds nothing to test/live/async.test.ts's same comparison on loopback
  it.skipIf(conditionsMissing === undefined)('asynchronous gossip with the senders emulating latency and drop (not netem) tracks the simulator given the same latency and drop', async () => {
    const net = new Namespaces(2);
    try {
      const config = gossip({ latency: 0.5, drop: 0.2 });
      // 200 ms a unit: a process's scheduling and the links' own latency (a few ms) weigh less against the emulated 100 ms
      const live = await asyncAcrossNamespaces(net, config, { scale: 200, emulate: true });
      const sim = await runRecorded(config);
      const clean = await runRecorded(gossip({}));
      const [l, s0, c] = [curve(live.rounds), curve(sim.rounds), curve(clean.rounds)];
      console.log(`emulated latency 0.5, drop 0.2 across namespaces: mean accuracy over time 2..20 live ${l.toFixed(3)}, simulator ${s0.toFixed(3)} (${c.toFixed(3)} without them); rtt ${JSON.stringify(live.summary.live?.links.map((k) => k.rttMs))}`);
      // the conditions cost the simulator accuracy: the margin below tells the two apart
      expect(c - s0).toBeGreaterThan(0.15);
      expect(Math.abs(l - s0)).toBeLessThan(0.1);
      const s = live.summary;
      expect(s.messagesSent).toBe(s.messagesDelivered! + s.messagesDropped!);
      expect(s.messagesDropped! / s.messagesSent!).toBeGreaterThan(0.15);
      expect(s.live?.transport).toBe('libp2p');
    } finally {
      net.close();
    }
  });
});
