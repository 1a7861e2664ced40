// Throughput of the live transports on loopback: libp2p (TCP + Noise + Yamux) against a plain TCP
// socket pipe, in the same run. Each transport's two ends are two child processes; one sends W1-sized
// frames to the other as fast as backpressure lets it; the receiver times the bytes it got.
// `npm run bench:live [-- --seconds 3 --reps 5 --yamux-window 16777216 --semi-space 64 --plaintext --secret]`
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createLibp2pTransport, type Libp2pTransportOptions } from '../src/live/transport/libp2p.js';
import { createTcpTransport } from '../src/live/transport/tcp.js';
import { controlFrame, readControl } from '../src/live/transport/frame.js';
import { FRAME_KINDS, type Transport } from '../src/live/transport/types.js';
import { median, numberArg } from './micro.js';

const W1_PARAMS = 101_770;
const SIZES = [
  { label: 'row block (32 x W1 rows)', bytes: 32 * W1_PARAMS * 4 },
  { label: 'one W1 row', bytes: W1_PARAMS * 4 },
];
/**
 * `--plaintext`: also libp2p without Noise, to see what the encryption costs. `--secret`: also each
 * transport with the run secret on, as plexus live runs it (the HMAC handshake before Noise, or
 * before the frames for tcp), against the same transport without; `--pnet` adds libp2p's pnet.
 */
const KINDS: readonly Kind[] = [
  'tcp', 'libp2p',
  ...(process.argv.includes('--plaintext') ? (['libp2p-plaintext'] as const) : []),
  // libp2p-pnet is left out: its xsalsa20 WebAssembly memory cannot grow to a row block's frame and the child dies (bench/RESULTS.md)
  ...(process.argv.includes('--secret') ? (['tcp-secret', 'libp2p-handshake'] as const) : []),
  ...(process.argv.includes('--pnet') ? (['libp2p-pnet'] as const) : []),
];
type Kind = 'tcp' | 'libp2p' | 'libp2p-plaintext' | 'tcp-secret' | 'libp2p-pnet' | 'libp2p-handshake';
/** One secret for both ends of every pair (the children read it from the environment). */
const SECRET_ENV = 'PLEXUS_BENCH_SECRET';
const benchSecret = process.env[SECRET_ENV] ?? randomBytes(32).toString('hex');
/** V8's young generation per child, in MiB (0: Node's default): frames of many 64 KiB chunks make much short-lived garbage */
const semiSpaceMiB = numberArg('semi-space', 0);

/** Messages between the bench and its children (over the IPC channel). */
type ToChild = { connect: string[][] } | { run: number; bytes: number; seconds: number } | { exit: true };
type FromChild =
  | { started: string[] }
  | { connected: true }
  | { sent: number; frames: number; cpuMs: number }
  | { received: number; bytes: number; seconds: number; frames: number; cpuMs: number };

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/** `--yamux-window N`: a fixed Yamux stream window of N bytes in place of 256 KiB growing to 16 MiB. */
function yamuxOptions(): Libp2pTransportOptions['yamux'] {
  const window = numberArg('yamux-window', 0);
  return window ? { initialStreamWindowSize: window, maxStreamWindowSize: window } : {};
}

const payloads = new Map<number, Uint8Array>();
/** Float32 rows of plausible weights (the content does not matter: nothing compresses). */
function payloadOf(bytes: number): Uint8Array {
  let p = payloads.get(bytes);
  if (!p) {
    const rows = new Float32Array(bytes >> 2);
    for (let i = 0; i < rows.length; i++) rows[i] = Math.sin(i) * 0.01;
    p = new Uint8Array(rows.buffer);
    payloads.set(bytes, p);
  }
  return p;
}

/** One end of a pair: 0 receives, 1 sends. */
async function child(kind: Kind, self: number): Promise<void> {
  const send = (m: FromChild): void => void process.send?.(m);
  const key = new Uint8Array(Buffer.from(process.env[SECRET_ENV] ?? '', 'hex'));
  const secret = { key, psk: new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${Buffer.from(key).toString('hex')}`) };
  const t: Transport =
    kind === 'tcp' || kind === 'tcp-secret'
      ? createTcpTransport({ self, ...(kind === 'tcp-secret' ? { secret: key } : {}) })
      : createLibp2pTransport({
        self, yamux: yamuxOptions(), encryption: kind === 'libp2p-plaintext' ? 'plaintext' : 'noise',
        ...(kind === 'libp2p-pnet' ? { secret } : kind === 'libp2p-handshake' ? { secret, secretLayer: 'handshake' as const } : {}),
      });
  let run = -1;
  let first = 0;
  let last = 0;
  let bytes = 0;
  let frames = 0;
  let cpu = process.cpuUsage();
  t.onFrame((_from, frame) => {
    if (frame.kind === FRAME_KINDS.rows) {
      const now = performance.now();
      if (frame.round !== run) {
        // the first frame starts the clock; its own bytes arrived before it
        run = frame.round;
        first = now;
        bytes = 0;
        frames = 0;
        cpu = process.cpuUsage();
      } else {
        bytes += frame.payload.byteLength + 16;
        frames++;
      }
      last = now;
    } else {
      const body = readControl(frame) as { done?: number };
      if (body.done === run) send({ received: run, bytes, seconds: (last - first) / 1000, frames, cpuMs: cpuMs(cpu) });
    }
  });
  process.on('message', async (m: ToChild) => {
    if ('connect' in m) {
      await t.connect(m.connect);
      send({ connected: true });
    } else if ('run' in m) {
      const payload = payloadOf(m.bytes - 16);
      const frame = { round: m.run, sender: 1, receiver: 0, kind: FRAME_KINDS.rows, payload };
      const c0 = process.cpuUsage();
      const end = performance.now() + m.seconds * 1000;
      let n = 0;
      // at least three frames, so the receiver's clock (started by the first) sees two
      while (performance.now() < end || n < 3) {
        await t.send(0, frame);
        n++;
      }
      await t.send(0, controlFrame({ done: m.run }));
      send({ sent: m.run, frames: n, cpuMs: cpuMs(c0) });
    } else {
      await t.close();
      process.exit(0);
    }
  });
  send({ started: await t.start() });
}

interface Pair {
  kind: Kind;
  ends: ChildProcess[];
}

function next(p: ChildProcess, pred: (m: FromChild) => boolean): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromChild): void => {
      if (!pred(m)) return;
      p.off('message', onMessage);
      p.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null): void => reject(new Error(`bench:live: a ${p.spawnargs.slice(-2).join(' ')} child exited (${code}) mid-run`));
    p.on('message', onMessage);
    p.on('exit', onExit);
  });
}

async function startPair(kind: Kind): Promise<Pair> {
  const file = fileURLToPath(import.meta.url);
  const execArgv = semiSpaceMiB > 0 ? [...process.execArgv, `--max-semi-space-size=${semiSpaceMiB}`] : process.execArgv;
  const env = { ...process.env, [SECRET_ENV]: benchSecret };
  const ends = [0, 1].map((self) => fork(file, ['child', kind, String(self), ...process.argv.slice(2)], { stdio: 'inherit', execArgv, env }));
  const started = await Promise.all(ends.map((e) => next(e, (m) => 'started' in m)));
  const addresses = started.map((m) => (m as { started: string[] }).started);
  await Promise.all(ends.map(async (e) => {
    const connected = next(e, (m) => 'connected' in m);
    e.send({ connect: addresses } satisfies ToChild);
    await connected;
  }));
  return { kind, ends };
}

interface Sample {
  mbps: number;
  senderCpuMsPerMB: number;
  receiverCpuMsPerMB: number;
}

let runId = 0;
async function measure(pair: Pair, bytes: number, seconds: number): Promise<Sample> {
  const id = ++runId;
  const [receiver, sender] = pair.ends;
  const got = next(receiver, (m) => 'received' in m && m.received === id);
  const sent = next(sender, (m) => 'sent' in m && m.sent === id);
  sender.send({ run: id, bytes, seconds } satisfies ToChild);
  const r = (await got) as Extract<FromChild, { received: number }>;
  const s = (await sent) as Extract<FromChild, { sent: number }>;
  const mb = r.bytes / 1e6;
  return { mbps: mb / r.seconds, senderCpuMsPerMB: s.cpuMs / ((s.frames * bytes) / 1e6), receiverCpuMsPerMB: r.cpuMs / mb };
}

async function main(): Promise<void> {
  const seconds = numberArg('seconds', 3);
  const reps = numberArg('reps', 5);
  const yamux = yamuxOptions();
  const pairs = [];
  for (const kind of KINDS) pairs.push(await startPair(kind));
  console.log(`live transports on 127.0.0.1, two child processes per transport, one way, ${seconds} s per sample, median of ${reps} (interleaved), after a warm-up`);
  if (yamux && Object.keys(yamux).length > 0) console.log(`yamux options: ${JSON.stringify(yamux)}`);
  if (semiSpaceMiB > 0) console.log(`children run with --max-semi-space-size=${semiSpaceMiB}`);
  const results = new Map<string, Sample[]>();
  for (const size of SIZES) for (const pair of pairs) await measure(pair, size.bytes, 1);
  for (let rep = 0; rep < reps; rep++) {
    for (const size of SIZES) {
      for (const pair of pairs) {
        const key = `${pair.kind}/${size.bytes}`;
        const sample = await measure(pair, size.bytes, seconds);
        results.set(key, [...(results.get(key) ?? []), sample]);
      }
    }
  }
  const pick = (kind: Kind, bytes: number, f: (s: Sample) => number): number[] => (results.get(`${kind}/${bytes}`) ?? []).map(f);
  for (const size of SIZES) {
    console.log(`\n${size.label}: ${(size.bytes / 1e6).toFixed(2)} MB per frame`);
    const mbps: Record<string, number> = {};
    const cpuBound: Record<string, number> = {};
    for (const kind of KINDS) {
      const xs = pick(kind, size.bytes, (s) => s.mbps);
      mbps[kind] = median(xs);
      const cpuS = median(pick(kind, size.bytes, (s) => s.senderCpuMsPerMB));
      const cpuR = median(pick(kind, size.bytes, (s) => s.receiverCpuMsPerMB));
      // what it would reach with a core per end: the busier end's CPU per MB sets the pace
      cpuBound[kind] = 1000 / Math.max(cpuS, cpuR);
      console.log(
        `  ${kind.padEnd(16)} ${mbps[kind].toFixed(1).padStart(7)} MB/s  (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}); CPU ms per MB: sender ${cpuS.toFixed(2)}, receiver ${cpuR.toFixed(2)} (CPU-bound pace ${cpuBound[kind].toFixed(0)} MB/s)`,
      );
    }
    // each repetition measures both transports back to back, so a ratio within one shares the machine's load of the moment
    const tcp = pick('tcp', size.bytes, (s) => s.mbps);
    const paired = pick('libp2p', size.bytes, (s) => s.mbps).map((x, i) => x / tcp[i]);
    if (cpuBound['libp2p-plaintext'] !== undefined) {
      const plain = pick('libp2p-plaintext', size.bytes, (s) => s.mbps).map((x, i) => x / tcp[i]);
      console.log(`  libp2p without Noise / tcp: ${median(plain).toFixed(2)} the median of the paired repetitions, ${(cpuBound['libp2p-plaintext'] / cpuBound.tcp).toFixed(2)} of the CPU-bound paces`);
    }
    console.log(
      `  libp2p / tcp: ${(mbps.libp2p / mbps.tcp).toFixed(2)} of the medians, ${median(paired).toFixed(2)} the median of the paired repetitions (${paired.map((r) => r.toFixed(2)).join(' ')}), ${(cpuBound.libp2p / cpuBound.tcp).toFixed(2)} of the CPU-bound paces (target: at least 0.50)`,
    );
  }
  for (const size of SIZES) {
    for (const [withSecret, without] of [['tcp-secret', 'tcp'], ['libp2p-pnet', 'libp2p'], ['libp2p-handshake', 'libp2p']] as const) {
      if (!KINDS.includes(withSecret)) continue;
      const base = pick(without, size.bytes, (s) => s.mbps);
      const paired = pick(withSecret, size.bytes, (s) => s.mbps).map((x, i) => x / base[i]);
      console.log(`  ${size.label}: ${withSecret} / ${without}: ${median(paired).toFixed(2)} the median of the paired repetitions (${paired.map((r) => r.toFixed(2)).join(' ')})`);
    }
  }
  for (const pair of pairs) for (const e of pair.ends) e.send({ exit: true } satisfies ToChild);
}

if (process.argv[2] === 'child') {
  void child(process.argv[3] as Kind, Number(process.argv[4]));
} else {
  await main();
}
