// Linux network namespaces joined by veth pairs on a bridge, with delay and loss in the kernel's
// packet path on every namespace's way out: tc netem where the kernel has it, else iptables (loss:
// `-m statistic --mode random -j DROP`) and an NFQUEUE program holding each packet (tools/nfdelay).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Runs a command; its stderr (trimmed) in the error when it fails. */
export function sh(cmd: string, ...args: string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(err.stderr || err.message).trim()}`);
  }
}

const NFDELAY_SOURCE = join(process.cwd(), 'tools', 'nfdelay', 'nfdelay.c');
/** Where the tests and experiments/live-netem.sh compile nfdelay (git-ignored). */
export const NFDELAY = join(process.cwd(), 'build', 'nfdelay', 'nfdelay');

/** Compiles tools/nfdelay/nfdelay.c unless the binary is newer; throws what gcc said. */
export function buildNfdelay(): string {
  if (existsSync(NFDELAY) && statSync(NFDELAY).mtimeMs >= statSync(NFDELAY_SOURCE).mtimeMs) return NFDELAY;
  mkdirSync(join(NFDELAY, '..'), { recursive: true });
  const tmp = `${NFDELAY}.${process.pid}`;
  sh('gcc', '-O2', '-Wall', '-o', tmp, NFDELAY_SOURCE, '-lnetfilter_queue', '-lnfnetlink');
  renameSync(tmp, NFDELAY); // atomic: a concurrent build never runs a half-written binary
  return NFDELAY;
}

/** How the delay and loss get into the packet path: tc netem, or iptables + nfdelay with this iptables binary. */
export type Conditioner = { kind: 'netem' } | { kind: 'nfqueue'; iptables: string };

export interface Probe {
  /** why namespaces cannot be made here (undefined: they can) */
  netns?: string;
  /** the way to delay and drop packets, or why there is none */
  conditioner?: Conditioner;
  noConditioner?: string;
  /** why netem is not used, when the NFQUEUE path is */
  netemMissing?: string;
}

/** What this machine can do, found by trying on a throwaway namespace. PLEXUS_NETCOND=nfqueue skips netem. */
export async function probe(): Promise<Probe> {
  if (process.platform !== 'linux') return { netns: 'network namespaces need Linux' };
  if (process.getuid?.() !== 0) return { netns: 'ip netns needs root (CI runs these tests as root)' };
  const id = `${process.pid % 100000}`;
  const ns = `plx${id}probe`;
  const [a, b] = [`plx${id}pa`, `plx${id}pb`];
  try {
    sh('ip', 'netns', 'add', ns);
  } catch (e) {
    return { netns: `cannot make a network namespace (${(e as Error).message})` };
  }
  try {
    try {
      sh('ip', 'link', 'add', a, 'type', 'veth', 'peer', 'name', b);
      sh('ip', 'link', 'set', b, 'netns', ns);
      sh('ip', 'link', 'add', `plx${id}pbr`, 'type', 'bridge');
      sh('ip', 'link', 'del', `plx${id}pbr`);
    } catch (e) {
      return { netns: `cannot join namespaces by veth pairs on a bridge (${(e as Error).message})` };
    }
    let netemMissing = 'PLEXUS_NETCOND=nfqueue';
    if (process.env.PLEXUS_NETCOND !== 'nfqueue') {
      try {
        sh('ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', b, 'root', 'netem', 'delay', '1ms', 'loss', '1%');
        return { conditioner: { kind: 'netem' } };
      } catch (e) {
        netemMissing = `tc netem is missing (${(e as Error).message}): no sch_netem in this kernel`;
      }
    }
    const nfqueue = await probeNfqueue(ns, b);
    if (typeof nfqueue === 'string') return { noConditioner: `${netemMissing}, and the NFQUEUE path cannot work: ${nfqueue}` };
    return { conditioner: nfqueue, netemMissing };
  } finally {
    tryTo(() => sh('ip', 'netns', 'del', ns)); // takes its end of the veth pair, and with it the other end
    tryTo(() => sh('ip', 'link', 'del', a));
  }
}

/** The iptables binary that can add the loss and NFQUEUE rules in namespace `ns`, with nfdelay bound to a queue there; else why not. */
async function probeNfqueue(ns: string, dev: string): Promise<Conditioner | string> {
  let iptables: string | undefined;
  const tried: string[] = [];
  for (const bin of ['iptables', 'iptables-legacy']) {
    try {
      sh('ip', 'netns', 'exec', ns, bin, '-A', 'OUTPUT', '-o', dev, '-m', 'statistic', '--mode', 'random', '--probability', '0.01', '-j', 'DROP');
      sh('ip', 'netns', 'exec', ns, bin, '-A', 'OUTPUT', '-o', dev, '-j', 'NFQUEUE', '--queue-num', '0');
      iptables = bin;
      break;
    } catch (e) {
      tried.push((e as Error).message.split('\n')[0]);
    }
  }
  if (!iptables) return `no iptables with the statistic match and the NFQUEUE target (${tried.join('; ')}; apt-get install iptables)`;
  let bin: string;
  try {
    bin = buildNfdelay();
  } catch (e) {
    return `cannot compile tools/nfdelay (${(e as Error).message.split('\n')[0]}; it needs gcc and apt-get install libnetfilter-queue-dev)`;
  }
  const delay = await startNfdelay(ns, bin, 0, 1);
  if (typeof delay === 'string') return delay;
  delay.child.kill('SIGKILL');
  return { kind: 'nfqueue', iptables };
}

interface Nfdelay {
  child: ChildProcess;
  /** its closing line (packets held, latest verdict past due), once it exits */
  report: Promise<string>;
}

/** nfdelay on queue `queue` in namespace `ns`, once it says it is bound; else what went wrong. */
async function startNfdelay(ns: string, bin: string, queue: number, delayMs: number): Promise<Nfdelay | string> {
  const child = spawn('ip', ['netns', 'exec', ns, bin, String(queue), String(delayMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  // ahead of the busy processes it delays for, so its verdicts come on time on a loaded machine
  tryTo(() => setPriority(child.pid!, -10));
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((res) => child.once('exit', res));
  const ready = new Promise<boolean>((res) => createInterface({ input: child.stdout! }).once('line', (l) => res(l === 'ready')));
  const timeout = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), 10_000).unref());
  const first = await Promise.race([ready, exited.then(() => false), timeout]);
  if (first !== true) {
    child.kill('SIGKILL');
    return `nfdelay did not bind an NFQUEUE queue (${first === 'timeout' ? 'no answer in 10 s' : err.trim() || 'exited'})`;
  }
  return { child, report: exited.then(() => err.trim()) };
}

function tryTo(f: () => unknown): void {
  try {
    f();
  } catch {
    /* already gone */
  }
}

/** Packets that went out of the namespaces' devices and those dropped on purpose, summed. */
export interface PacketCounts {
  passed: number;
  dropped: number;
}

/**
 * `count` namespaces, each with one veth pair to a bridge in the root namespace: namespace k is
 * 10.T.S.(k+1), the root namespace (this test process) 10.T.S.254 (T from 213, one per set). close() removes everything and is safe twice.
 */
export class Namespaces {
  readonly names: string[];
  private readonly id: string;
  private readonly bridge: string;
  private readonly subnet: string;
  private readonly delays: Nfdelay[] = [];
  private conditioner?: Conditioner;
  private closed = false;

  constructor(readonly count: number) {
    // apart from every other set of this process (run side by side) and of other processes
    const instance = made++ % 20;
    this.id = `${process.pid % 100000}${String.fromCharCode(97 + instance)}`;
    this.subnet = `10.${213 + instance}.${process.pid % 250}`;
    this.bridge = `plx${this.id}br`;
    this.names = Array.from({ length: count }, (_, k) => `plx${this.id}n${k}`);
    live.add(this);
    sh('ip', 'link', 'add', this.bridge, 'type', 'bridge');
    sh('ip', 'addr', 'add', `${this.host}/24`, 'dev', this.bridge);
    sh('ip', 'link', 'set', this.bridge, 'up');
    this.names.forEach((ns, k) => {
      const [outer, inner] = [`plx${this.id}h${k}`, this.device(k)];
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

  /** Namespace k's end of its veth pair. */
  private device(k: number): string {
    return `plx${this.id}v${k}`;
  }

  /**
   * Delay and loss on every namespace's way out (so one way between two namespaces, and to this
   * process), in the kernel: netem on the veth end, or iptables OUTPUT rules on it (a random DROP,
   * then NFQUEUE to an nfdelay in the namespace holding each packet `delayMs`).
   */
  async condition(how: Conditioner, delayMs: number, lossPercent: number): Promise<void> {
    this.conditioner = how;
    for (const [k, ns] of this.names.entries()) {
      const dev = this.device(k);
      if (how.kind === 'netem') {
        sh('ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', dev, 'root', 'netem', 'delay', `${delayMs}ms`, 'loss', `${lossPercent}%`);
        continue;
      }
      const ipt = (...rule: string[]) => sh('ip', 'netns', 'exec', ns, how.iptables, '-A', 'OUTPUT', '-o', dev, ...rule);
      if (lossPercent > 0) ipt('-m', 'statistic', '--mode', 'random', '--probability', String(lossPercent / 100), '-j', 'DROP');
      if (delayMs > 0) {
        // bound before the rule queues anything: with no program on a queue the kernel drops its packets
        const delay = await startNfdelay(ns, NFDELAY, 0, delayMs);
        if (typeof delay === 'string') throw new Error(delay);
        this.delays.push(delay);
        ipt('-j', 'NFQUEUE', '--queue-num', '0');
      } else {
        ipt('-j', 'ACCEPT'); // counts what passes
      }
    }
  }

  /** The packets the conditions passed and dropped so far, over all namespaces. */
  packets(): PacketCounts {
    const counts = { passed: 0, dropped: 0 };
    const how = this.conditioner;
    if (!how) throw new Error('Namespaces.packets: no conditions applied');
    for (const [k, ns] of this.names.entries()) {
      if (how.kind === 'netem') {
        const m = /Sent \d+ bytes (\d+) pkt \(dropped (\d+)/.exec(sh('ip', 'netns', 'exec', ns, 'tc', '-s', 'qdisc', 'show', 'dev', this.device(k)));
        if (!m) throw new Error(`Namespaces.packets: no netem counters on ${this.device(k)}`);
        counts.passed += Number(m[1]);
        counts.dropped += Number(m[2]);
        continue;
      }
      for (const line of sh('ip', 'netns', 'exec', ns, how.iptables, '-L', 'OUTPUT', '-v', '-x', '-n').split('\n')) {
        const [pkts, , target] = line.trim().split(/\s+/);
        if (target === 'DROP') counts.dropped += Number(pkts);
        else if (target === 'NFQUEUE' || target === 'ACCEPT') counts.passed += Number(pkts);
      }
    }
    return counts;
  }

  /** Stops the nfdelay programs (their held packets are lost); their closing lines. */
  async stopDelays(): Promise<string[]> {
    const delays = this.delays.splice(0);
    for (const d of delays) d.child.kill('SIGTERM');
    return Promise.all(delays.map((d) => d.report));
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
    for (const d of this.delays.splice(0)) d.child.kill('SIGKILL');
    for (const ns of this.names) tryTo(() => sh('ip', 'netns', 'del', ns));
    // a namespace lives on while a process is in it: the root side of each veth pair goes explicitly
    this.names.forEach((_, k) => tryTo(() => sh('ip', 'link', 'del', `plx${this.id}h${k}`)));
    tryTo(() => sh('ip', 'link', 'del', this.bridge));
  }
}

let made = 0;
const live = new Set<Namespaces>();
const children = new Set<ChildProcess>();

/** Kills what the namespaces run and removes them (also on exit). */
export function cleanUp(): void {
  for (const c of children) c.kill('SIGKILL');
  for (const n of [...live]) n.close();
}
process.once('exit', cleanUp);

/** In a namespace: a TCP echo server on port 7000 and a UDP counter on 7001 that prints the datagrams it got once they stop for 1.5 s. */
const PATH_SERVER = `
const net = await import('node:net'), dgram = await import('node:dgram');
const [host] = process.argv.slice(1);
net.createServer((s) => s.pipe(s)).listen(7000, host);
const udp = dgram.createSocket('udp4');
let got = 0, idle;
udp.on('message', () => { got++; clearTimeout(idle); idle = setTimeout(() => { console.log(JSON.stringify({ got })); process.exit(0); }, 1500); });
udp.bind(7001, host, () => console.log('ready'));
`;

/** In another: round trips of one byte over TCP to the echo server, then datagrams to the counter. */
const PATH_CLIENT = `
const net = await import('node:net'), dgram = await import('node:dgram');
const [host, trips, datagrams] = process.argv.slice(1).map((a, i) => (i ? Number(a) : a));
const s = net.connect(7000, host);
await new Promise((r) => s.once('connect', r));
s.setNoDelay(true);
const rtts = [];
for (let i = 0; i < trips; i++) {
  const t = performance.now();
  s.write('x');
  await new Promise((r) => s.once('data', r));
  rtts.push(performance.now() - t);
}
s.destroy();
const udp = dgram.createSocket('udp4');
for (let i = 0; i < datagrams; i++) {
  await new Promise((r) => udp.send('y', 7001, host, r));
  if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
}
udp.close();
console.log(JSON.stringify({ rtts }));
`;

/** What the path from namespace `from` to `to` does: TCP round-trip times (ms) and the fraction of UDP datagrams lost one way. */
export async function measurePath(net: Namespaces, from: number, to: number, trips = 30, datagrams = 3000): Promise<{ rtts: number[]; udpLoss: number }> {
  const server = net.spawn(to, ['--input-type=module', '-e', PATH_SERVER, net.address(to)]);
  try {
    if ((await server.stdoutLine) !== 'ready') throw new Error(`measurePath: the server did not start: ${server.stderr()}`);
    const report = new Promise<string>((res) => {
      const lines = createInterface({ input: server.child.stdout! });
      lines.on('line', (l) => l.startsWith('{') && res(l));
    });
    const client = net.spawn(from, ['--input-type=module', '-e', PATH_CLIENT, net.address(to), String(trips), String(datagrams)]);
    const { rtts } = JSON.parse(await client.stdoutLine) as { rtts: number[] };
    const { got } = JSON.parse(await report) as { got: number };
    return { rtts, udpLoss: 1 - got / datagrams };
  } finally {
    server.child.kill('SIGKILL');
  }
}
