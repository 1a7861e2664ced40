// Live runs across Linux network namespaces joined by veth pairs on a bridge: real sockets between
// real processes, each process in its own namespace. Where the kernel has tc netem, the namespaces'
// links get delay and loss and the live asynchronous gossip's accuracy over wall-clock time is
// compared with the simulator's async mode given the same latency and drop; where it does not (no
// sch_netem module), that comparison is skipped with a message and the senders' own emulation of
// the config's latency and drop (--emulate-network, not netem) is compared instead.
// Needs root (ip netns), the `ip` and `tc` tools and a built dist/ (npx tsc -p tsconfig.json).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import type { RoundMetrics, RunSummary } from '../../src/engine/events.js';
import { runAsyncObserver } from '../../src/live/async/observer.js';
import { createLiveTransport } from '../../src/live/transports.js';
import { BIN, plexus, tempDir } from '../cli/helpers.js';
import { runRecorded } from '../engine/helpers.js';

const DIST = join(process.cwd(), 'dist', 'src');
const built = existsSync(join(DIST, 'live', 'async', 'node.js'));

/** Runs a command; its stderr (trimmed) in the error when it fails. */
function sh(cmd: string, ...args: string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(err.stderr || err.message).trim()}`);
  }
}

/** What this machine lacks for namespaces and for netem (undefined: available), found by trying on throwaway ones. */
function probe(): { netns?: string; netem?: string } {
  if (process.platform !== 'linux') return { netns: 'network namespaces need Linux' };
  if (process.getuid?.() !== 0) return { netns: 'ip netns needs root (CI runs these tests as root)' };
  const ns = `plxprobe${process.pid}`;
  const [a, b] = [`plxpa${process.pid}`, `plxpb${process.pid}`];
  try {
    sh('ip', 'netns', 'add', ns);
  } catch (e) {
    return { netns: `cannot make a network namespace (${(e as Error).message})` };
  }
  try {
    try {
      sh('ip', 'link', 'add', a, 'type', 'veth', 'peer', 'name', b);
      sh('ip', 'link', 'set', b, 'netns', ns);
      sh('ip', 'link', 'add', `plxbr${process.pid}`, 'type', 'bridge');
      sh('ip', 'link', 'del', `plxbr${process.pid}`);
    } catch (e) {
      return { netns: `cannot join namespaces by veth pairs on a bridge (${(e as Error).message})` };
    }
    try {
      sh('ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', b, 'root', 'netem', 'delay', '1ms', 'loss', '1%');
    } catch (e) {
      return { netem: `tc netem is missing (${(e as Error).message}): the kernel has no sch_netem module (modprobe sch_netem, or a kernel with CONFIG_NET_SCH_NETEM)` };
    }
    return {};
  } finally {
    try {
      sh('ip', 'netns', 'del', ns); // takes its end of the veth pair, and with it the other end
    } catch {
      /* already gone */
    }
    try {
      sh('ip', 'link', 'del', a);
    } catch {
      /* gone with its peer */
    }
  }
}

/**
 * `count` namespaces, each with one veth pair to a bridge in the root namespace: namespace k is
 * 10.213.S.(k+1), the root namespace (this test process) 10.213.S.254. close() removes everything and is safe twice.
 */
class Namespaces {
  readonly names: string[];
  private readonly bridge: string;
  private readonly subnet: string;
  private closed = false;

  constructor(readonly count: number) {
    const id = `${process.pid % 100000}`;
    this.subnet = `10.213.${process.pid % 250}`;
    this.bridge = `plx${id}br`;
    this.names = Array.from({ length: count }, (_, k) => `plx${id}n${k}`);
    live.add(this);
    sh('ip', 'link', 'add', this.bridge, 'type', 'bridge');
    sh('ip', 'addr', 'add', `${this.host}/24`, 'dev', this.bridge);
    sh('ip', 'link', 'set', this.bridge, 'up');
    this.names.forEach((ns, k) => {
      const [outer, inner] = [`plx${id}h${k}`, `plx${id}v${k}`];
      sh('ip', 'netns', 'add', ns);
      sh('ip', 'link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
      sh('ip', 'link', 'set', outer, 'master', this.bridge);
      sh('ip', 'link', 'set', outer, 'up');
      sh('ip', 'link', 'set', inner, 'netns', ns);
      sh('ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${this.address(k)}/24`, 'dev', inner);
      sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', inner, 'up');
      sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    });
  }

  get host(): string {
    return `${this.subnet}.254`;
  }

  address(k: number): string {
    return `${this.subnet}.${k + 1}`;
  }

  /** Delay and loss on every namespace's way out (so one way between two namespaces, and to this process). */
  netem(delayMs: number, lossPercent: number): void {
    this.names.forEach((ns, k) => sh('ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', `plx${process.pid % 100000}v${k}`, 'root', 'netem', 'delay', `${delayMs}ms`, 'loss', `${lossPercent}%`));
  }

  /** `node args` inside namespace k. */
  spawn(k: number, args: string[]): { child: ChildProcess; stderr: () => string; stdoutLine: Promise<string>; exited: Promise<number | null> } {
    const child = spawn('ip', ['netns', 'exec', this.names[k], process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => (children.delete(child), res(code))));
    const stdoutLine = new Promise<string>((res, rej) => {
      createInterface({ input: child.stdout! }).once('line', res);
      void exited.then((code) => rej(new Error(`process in ${this.names[k]} exited (${code}) before printing:\n${err}`)));
    });
    stdoutLine.catch(() => undefined); // awaited only by those that print
    return { child, stderr: () => err, stdoutLine, exited };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    live.delete(this);
    for (const ns of this.names) {
      try {
        sh('ip', 'netns', 'del', ns);
      } catch {
        /* not made */
      }
    }
    try {
      sh('ip', 'link', 'del', this.bridge);
    } catch {
      /* not made */
    }
  }
}

const live = new Set<Namespaces>();
const children = new Set<ChildProcess>();
const cleanUp = () => {
  for (const c of children) c.kill('SIGKILL');
  for (const n of [...live]) n.close();
};
process.once('exit', cleanUp);
afterAll(cleanUp);

const missing = built ? probe() : {};
const netnsMissing = !built ? 'dist/ is not built (npx tsc -p tsconfig.json)' : missing.netns;
const netemMissing = netnsMissing ?? missing.netem;
if (netnsMissing) console.warn(`netem tests skipped: ${netnsMissing}`);
else if (netemMissing) console.warn(`netem comparison skipped: ${netemMissing}; the senders' emulation of latency and drop is compared instead`);

/** An async gossip config: 16 peers waking 4 times a unit, push-pull, `time` added. */
function gossip(time: Record<string, unknown>, rounds = 20) {
  return resolveConfig({
    name: 'netem-gossip', seed: 7, peers: 16, rounds, topology: { kind: 'ring', k: 1 },
    data: { dataset: { kind: 'blobs', classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100 },
    model: { kind: 'logistic' }, train: { lr: 0.5, batchSize: 16 }, protocol: { kind: 'gossip-learning', variant: 'push-pull' },
    time: { mode: 'async', period: 0.25, ...time }, eval: { every: 2, testExamples: 500 },
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

/** Mean accuracy over a run's evaluations (every 2 units): the learning curve's height, less noisy than one point of it. */
const curve = (rounds: RoundMetrics[]) => {
  const acc = rounds.filter((m) => m.meanAccuracy !== undefined && m.round > 0).map((m) => m.meanAccuracy!);
  return acc.reduce((a, b) => a + b, 0) / acc.length;
};

describe.skipIf(netnsMissing !== undefined)('live runs across network namespaces', { timeout: 120_000 }, () => {
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
      const bootstrap = join(dir, 'bootstrap.txt');
      // one port in each namespace's own port space
      writeFileSync(bootstrap, [0, 1, 2].map((k) => `/ip4/${net.address(k)}/tcp/4001`).join('\n') + '\n');
      const nodes = [0, 1].map((k) => net.spawn(k, [BIN, 'node', cfg, '--index', String(k), '--processes', '2', '--listen', `/ip4/${net.address(k)}/tcp/4001`, '--bootstrap', bootstrap]));
      const out = join(dir, 'live');
      const observer = net.spawn(2, [BIN, 'live', cfg, '--processes', '2', '--join', bootstrap, '--listen', `/ip4/${net.address(2)}/tcp/4001`, '--out', out, '-q']);
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

  it.skipIf(netemMissing !== undefined)('asynchronous gossip under tc netem delay and loss tracks the simulator given the same latency and drop', async () => {
    // 200 ms a unit; netem: 100 ms one way (latency 0.5 units), 5% of packets lost. TCP resends lost
    // packets, so the live run loses no message but delays some (a retransmission timeout, >= 200 ms):
    // the simulator's drop 0.05 stands for them, hence the wider margin.
    const net = new Namespaces(2);
    try {
      net.netem(100, 5);
      const config = gossip({ latency: 0.5, drop: 0.05 });
      const live = await asyncAcrossNamespaces(net, config, { scale: 200, emulate: false });
      const sim = await runRecorded(config);
      const clean = await runRecorded(gossip({}));
      const [l, s0, c] = [curve(live.rounds), curve(sim.rounds), curve(clean.rounds)];
      console.log(`netem 50 ms, 5% across namespaces: mean accuracy over time 2..20 live ${l.toFixed(3)}, simulator ${s0.toFixed(3)} (${c.toFixed(3)} without latency and drop)`);
      // the simulator: 0.48 with latency 0.5 and drop 0.05, 0.68 without; still 0.40 at latency 1.2, so the margin allows for the retransmissions' delay
      expect(c - s0).toBeGreaterThan(0.15);
      expect(Math.abs(l - s0)).toBeLessThan(0.12);
      expect(live.summary.messagesSent).toBe(live.summary.messagesDelivered! + live.summary.messagesDropped!);
    } finally {
      net.close();
    }
  });

  it('asynchronous gossip with the senders emulating latency and drop (not netem) tracks the simulator given the same latency and drop', async () => {
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
