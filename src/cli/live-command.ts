// `plexus live CONFIG --processes P`: the same experiment as P real processes talking over a real
// network (js-libp2p by default). This process is the observer, not part of the learning: it starts
// P `plexus node` children on 127.0.0.1 (or, with --join, meets processes started by hand on other
// machines), hears their reports and writes the usual run directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig } from '../config/resolve.js';
import type { ExperimentConfig } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import type { LiveSummary } from '../engine/events.js';
import { ConfigError, PlexusError } from '../errors.js';
import { waitForBootstrap } from '../live/bootstrap.js';
import { generateKey, readKeyFile, writeKeyFile } from '../live/identity.js';
import { generateSecret, readSecretFile, writeSecretFile } from '../live/secret.js';
import { registerLiveKeysCommand } from './live-keys-command.js';
import { sliceOf } from '../live/node.js';
import { LiveObserver } from '../live/observer.js';
import { liveIssues, liveProtocols, rejoinIssues } from '../live/support.js';
import { AsyncLiveObserver } from '../live/async/observer.js';
import { asyncLiveIssues, DEFAULT_TIME_SCALE_MS, isAsyncLive } from '../live/async/support.js';
import { createLiveTransport, LIVE_TRANSPORTS, loopbackListen, type LiveTransportName } from '../live/transports.js';
import type { Transport } from '../live/transport/types.js';
import { describeSetup, describeSummary } from './describe.js';
import { watchInterrupts } from './interrupt.js';
import { checkWorkers, parseIntOption, parseSizeOption, UsageError } from './options.js';
import { parseListen, startListening } from './live-listen.js';
import { checkLiveMemory } from '../live/live-memory.js';
import { defaultMemoryLimit } from '../config/memory-limit.js';
import { planOutDir, prepareOutDir, reason, type PreparedOutDir } from './out-dir.js';
import { attachProgress, type Progress } from './progress.js';
import { openRunFiles } from './run-writer.js';
import { removeUnusedProcessDirs } from './process-files.js';

export interface LiveOptions {
  processes: number;
  out?: string;
  force?: boolean;
  seed?: number;
  rounds?: number;
  quiet?: boolean;
  workers?: number;
  backend?: 'auto' | 'wasm' | 'cpu' | 'node';
  transport: string;
  /** meet processes started by hand: their bootstrap file (this observer is its last line) */
  join?: string;
  listen?: string;
  viz?: boolean;
  open?: boolean;
  host?: string;
  port?: number;
  vizWait?: number;
  timeout: number;
  restart?: boolean;
  /** asynchronous protocols: wall milliseconds of one virtual time unit */
  timeScale: number;
  emulateNetwork?: boolean;
  /** with --join: this observer's key file and the run secret file (`plexus live keys`) */
  key?: string;
  secret?: string;
  maxMemory?: number;
}

/** How many times --restart starts one process again. */
const RESTARTS = 3;

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
}

export function registerLiveCommand(program: Command): void {
  const live = program
    .command('live')
    .enablePositionalOptions() // `plexus live keys --processes P` is the subcommand's option
    .description('run an experiment live: P processes, each hosting a slice of the peers, exchanging parameters over js-libp2p')
    .argument('<config>', `experiment config file (YAML or JSON); live mode runs ${liveProtocols()}, and gossip-learning in real time`)
    // checked in liveCommand: a required option here would be required of `plexus live keys` too
    .option('-p, --processes <P>', 'processes hosting the peers (even contiguous slices); required', parseIntOption('--processes', 1))
    .option('-o, --out <dir>', 'run directory to write, new or empty (default: runs/<name>-live-<timestamp>)')
    .option('-f, --force', 'replace the run files already in the --out directory')
    .option('-s, --seed <n>', 'override the config seed (integer >= 0)', parseIntOption('--seed', 0))
    .option('-r, --rounds <n>', 'override the number of rounds', parseIntOption('--rounds', 1))
    .option('-w, --workers <n>', 'worker threads per process (default 0: each process trains inline)', parseIntOption('--workers', 0))
    .option('-b, --backend <name>', 'TF.js backend of the processes: auto | wasm | cpu | node', 'auto')
    .option('--transport <name>', `${LIVE_TRANSPORTS.join(' | ')} (tcp: plain sockets, the baseline)`, 'libp2p')
    .option('--join <bootstrap-file>', 'start no processes: meet those started by hand with `plexus node` (the file lists members 0..P, this observer last)')
    .option('--listen <address>', 'where the observer listens (default: loopback, any free port; with --join, its line of the bootstrap file)')
    .option('--key <file>', 'with --join: the observer\'s private key (mode 0600, from `plexus live keys`), whose /p2p/ id is its bootstrap line\'s')
    .option('--secret <file>', 'with --join: the run secret (mode 0600, from `plexus live keys`); without --join a fresh one is made for the run')
    .option('--timeout <ms>', 'the processes ping one whose frames do not come within this long (plus 1 ms per kB) and go on without it if it does not answer as long', parseIntOption('--timeout', 1), 5000)
    .option('--restart', `start a process that dies during the run again (at most ${RESTARTS} times each): it rejoins the others`)
    .option('-q, --quiet', 'no progress bar: one plain line per evaluation')
    .option('--viz', 'serve the live view of this run and print its URL')
    .option('--open', 'with --viz: open the URL in a browser')
    .option('--host <host>', 'with --viz: address to bind', '127.0.0.1')
    .option('--port <n>', 'with --viz: port (0 picks a free one)', parseIntOption('--port', 0, 65535), 0)
    .option('--viz-wait <seconds>', 'with --viz: wait this long for the page to connect before the first round', parseIntOption('--viz-wait', 0), 60)
    .option('--time-scale <ms>', 'asynchronous protocols (gossip-learning): wall milliseconds of one virtual time unit', parseIntOption('--time-scale', 1), DEFAULT_TIME_SCALE_MS)
    .option('--emulate-network', 'asynchronous protocols: the senders delay and drop their messages by time.latency, latencySpread, bandwidth and drop (emulation, not netem)')
    .option('--max-memory <size>', 'refuse runs estimated to need more memory than this on this machine (the observer and, without --join, its P processes), e.g. 8G (default: 80% of the machine or container memory)', parseSizeOption('--max-memory'))
    .addHelpText('after', `
Writes the run directory of \`plexus run\`; summary.json adds "live": the processes, their
slices and, per link, bytes, frames, round-trip time and throughput (wall clock).
Each process it starts writes its own files in processes/K/: its peers'
lines of peers.jsonl, links.json and process.json (see \`plexus node --help\`).
A synchronous dpsgd run gives the simulator's metrics.jsonl, whatever P (wall-clock fields aside).
A process that dies is gone on without (dpsgd, local, gossip-learning): see peersOnline in metrics.jsonl.
On several machines: start \`plexus node\` on each (see \`plexus node --help\`), then
\`plexus live CONFIG --processes P --join bootstrap.txt --listen <this machine's line>\`.`)
    .action(async (configPath: string, opts: LiveOptions) => {
      await liveCommand(configPath, opts);
    });
  registerLiveKeysCommand(live);
}

/** A started `plexus node` child and the addresses it printed. */
interface Child {
  proc: ChildProcess;
  addresses: Promise<string[]>;
  exited: Promise<number | null>;
}

/** Where process k writes its own files in the run directory (synchronous runs). */
function processDir(runDir: string, k: number): string {
  return join(runDir, PROCESSES_DIR, String(k));
}

const PROCESSES_DIR = 'processes';

function startChild(configPath: string, config: ExperimentConfig, k: number, opts: LiveOptions, bootstrap: string, rejoin = false, outDir?: string): Child {
  const bin = fileURLToPath(new URL('../../../bin/plexus.js', import.meta.url));
  const [a, b] = sliceOf(config.peers, opts.processes, k);
  const args = [
    bin, 'node', configPath, '--index', String(k), '--processes', String(opts.processes), '--slice', `${a}..${b}`,
    '--bootstrap', bootstrap, '--key', join(dirname(bootstrap), `key-${k}`), '--secret', join(dirname(bootstrap), 'secret'), '--transport', opts.transport, '--listen', loopbackListen(opts.transport as LiveTransportName),
    '--seed', String(config.seed), '--rounds', String(config.rounds), '--workers', String(opts.workers ?? 0), '--backend', opts.backend ?? 'auto',
    '--timeout', String(opts.timeout ?? 5000), ...(rejoin ? ['--rejoin'] : []),
    '--time-scale', String(opts.timeScale ?? DEFAULT_TIME_SCALE_MS), ...(opts.emulateNetwork ? ['--emulate-network'] : []),
    ...(outDir ? ['--out', processDir(outDir, k), ...(opts.force ? ['--force'] : [])] : []),
  ];
  // its own process group: a Ctrl-C in the terminal reaches the observer, which stops the run cleanly
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  const addresses = new Promise<string[]>((res, rej) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.once('line', (line) => {
      try {
        res((JSON.parse(line) as { addresses: string[] }).addresses);
      } catch {
        rej(new PlexusError(`live: process ${k} printed "${line}" where its addresses were due`));
      }
    });
    void exited.then((code) => rej(new PlexusError(`live: process ${k} exited (code ${code}) before it listened; its messages are above`)));
  });
  return { proc, addresses, exited };
}

export async function liveCommand(configPath: string, opts: LiveOptions): Promise<void> {
  const log = (s: string) => process.stderr.write(s + '\n');
  checkWorkers(opts.workers);
  if (opts.processes === undefined) throw new UsageError('--processes: required: how many processes host the peers (plexus live CONFIG --processes P)');
  if (!opts.join && (opts.key || opts.secret)) throw new UsageError('--key, --secret: only with --join; a run that starts its own processes makes fresh ones');
  if (!(LIVE_TRANSPORTS as readonly string[]).includes(opts.transport)) throw new UsageError(`--transport: '${opts.transport}' is not a transport; use ${LIVE_TRANSPORTS.join(' | ')}`);
  if (opts.backend && !['auto', 'wasm', 'cpu', 'node'].includes(opts.backend)) throw new UsageError(`--backend: '${opts.backend}' is not a backend; use auto | wasm | cpu | node`);
  const config = await loadConfig(configPath, { overrides: { seed: opts.seed } });
  if (opts.rounds !== undefined) config.rounds = opts.rounds;
  const asyncLive = isAsyncLive(config);
  const issues = asyncLive ? asyncLiveIssues(config, opts.processes, opts.timeScale) : liveIssues(config, opts.processes);
  if (opts.restart && !asyncLive) issues.push(...rejoinIssues(config, '--restart'));
  if (issues.length > 0) throw new ConfigError(issues, 'Cannot run live');
  const listen = opts.listen ?? loopbackListen(opts.transport as LiveTransportName);
  await parseListen(opts.transport, listen);
  const limit = opts.maxMemory !== undefined ? { bytes: opts.maxMemory, source: 'set by --max-memory' } : defaultMemoryLimit();
  checkLiveMemory(config, { processes: opts.processes, workers: opts.workers ?? 0, startsProcesses: !opts.join }, limit);
  const plan = planOutDir(opts.out ?? join('runs', `${config.name}-live-${timestamp()}`), { force: opts.force });
  const interrupts = watchInterrupts();
  const P = opts.processes;
  const children: Child[] = [];
  const killChildren = (signal: NodeJS.Signals = 'SIGTERM') => children.forEach((c) => c.proc.exitCode === null && c.proc.signalCode === null && c.proc.kill(signal));
  let tmp: string | undefined;
  let out: PreparedOutDir | undefined;
  /** set once the run files are written: a run that never got there leaves no directory behind */
  let observed = false;
  /** what set-up made and the run did not use: the temporary bootstrap directory, the out directory it created */
  const removeLeftovers = () => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    tmp = undefined;
    if (out && !observed) {
      removeUnusedProcessDirs(join(out.dir, PROCESSES_DIR), P);
      out.removeCreated();
    }
  };
  process.once('exit', () => killChildren());
  // Ctrl-C during set-up: the children are stopped (and waited for: they write under the out
  // directory) before what set-up made is removed; a second Ctrl-C kills them at once
  interrupts.on(
    () => void stopChildren(children).then(() => (removeLeftovers(), process.exit(130))),
    () => (killChildren('SIGKILL'), removeLeftovers(), process.exit(130)),
  );
  const viz = opts.viz ? await (await import('./viz.js')).startRunViz({ runDir: plan.dir, host: opts.host, port: opts.port, open: opts.open }) : undefined;
  let transport: Transport | undefined;
  /** while the run goes on, --restart starts lost processes again */
  let running = true;
  try {
    // a run that starts its processes makes a secret and their keys; one that joins reads its own
    const secret = opts.join ? (opts.secret ? readSecretFile(opts.secret) : undefined) : generateSecret();
    const key = opts.key ? readKeyFile(opts.key) : undefined;
    transport = await createLiveTransport(opts.transport, P, listen, { secret, key });
    const observer = asyncLive
      ? await AsyncLiveObserver.create(config, { transport, processes: P, transportName: opts.transport, timeScaleMs: opts.timeScale, emulateNetwork: opts.emulateNetwork })
      : await LiveObserver.create(config, { transport, processes: P, transportName: opts.transport });
    const own = await startListening(transport, opts.transport, listen);
    // ready before any process starts: the children write their own files under it
    out = prepareOutDir(plan);
    const childOut = opts.join ? undefined : out.dir;
    if (childOut) makeDir(join(childOut, PROCESSES_DIR));
    let members: string[][];
    if (opts.join) {
      log(`observer listening on ${own.join(' ')}; waiting for the ${P} processes of ${opts.join}`);
      members = await waitForBootstrap(opts.join, P + 1, undefined, opts.transport);
    } else {
      tmp = mkdtempSync(join(tmpdir(), 'plexus-live-'));
      const bootstrap = join(tmp, 'bootstrap.txt');
      // the credentials of the processes it starts, in files only this user reads (not on their command line)
      writeSecretFile(join(tmp, 'secret'), secret!);
      for (let k = 0; k < P; k++) writeKeyFile(join(tmp, `key-${k}`), await generateKey());
      for (let k = 0; k < P; k++) children.push(startChild(resolve(configPath), config, k, opts, bootstrap, false, childOut));
      members = [...(await Promise.all(children.map((c) => c.addresses))), own];
      writeFileSync(`${bootstrap}.tmp`, members.map((m) => m.join(' ')).join('\n') + '\n');
      renameSync(`${bootstrap}.tmp`, bootstrap);
      log(`bootstrap file ${bootstrap} (a lost process K rejoins with: plexus node CONFIG --index K --processes ${P} --bootstrap ${bootstrap} --key ${join(tmp, 'key-K')} --secret ${join(tmp, 'secret')} --rejoin)`);
      if (opts.restart) {
        const restarts = new Array<number>(P).fill(0);
        const watch = (k: number) => void children[k].exited.then((code) => {
          if (code === 0 || running === false || restarts[k]++ >= RESTARTS) return;
          log(`process ${k} exited (${code === null ? 'killed' : `code ${code}`}); starting it again to rejoin (--restart)`);
          children[k] = startChild(resolve(configPath), config, k, opts, bootstrap, true, childOut);
          children[k].addresses.catch(() => undefined); // its failure to start shows on stderr
          watch(k);
        });
        for (let k = 0; k < P; k++) watch(k);
      }
    }
    admitMembers(transport, members);
    await transport.connect(members);
    await observer.ready();
    observer.on('end', () => (running = false));
    observed = true;
    await observe(observer, out, config, opts, { log, interrupts, viz, children, childOut });
    if (viz && interrupts.count === 0) {
      log(`run finished; the live view stays at ${viz.url} (Ctrl-C to stop)`);
      await new Promise<void>((res) => interrupts.on(res, res));
    }
  } finally {
    await transport?.close();
    await viz?.close();
    interrupts.dispose();
    killChildren();
    if (!observed) await stopChildren(children);
    removeLeftovers();
  }
}

/** Stops the children (SIGTERM, then SIGKILL after a few seconds) and waits until they have exited. */
async function stopChildren(children: readonly Child[]): Promise<void> {
  const running = children.filter((c) => c.proc.exitCode === null && c.proc.signalCode === null);
  for (const c of running) c.proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((res) => (timer = setTimeout(res, 3000)));
  await Promise.race([Promise.all(running.map((c) => c.exited)), late]);
  clearTimeout(timer);
  for (const c of running) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  await Promise.all(running.map((c) => c.exited));
}

/** Writes the run directory from the observer's events while the processes run. */
async function observe(
  observer: LiveObserver | AsyncLiveObserver, out: PreparedOutDir, config: ExperimentConfig, opts: LiveOptions,
  { log, interrupts, viz, children, childOut }: { log: (s: string) => void; interrupts: ReturnType<typeof watchInterrupts>; viz?: { url: string; firstViewer: Promise<void> }; children: Child[]; childOut?: string },
): Promise<void> {
  const files = openRunFiles(out.dir, config);
  // the writer, the progress display and the live view read only what the observer has of an Engine: world, setupInfo() and the events
  const asEngine = observer as unknown as Engine;
  let progress: Progress | undefined;
  try {
    files.attach(asEngine);
    observer.on('setup', (e) => log(describeSetup(e)));
    observer.on('warning', (w) => log(`warning: ${w}`));
    interrupts.on(
      () => {
        log('\ninterrupted: stopping the processes (Ctrl-C again to stop now)');
        observer.abort();
      },
      () => {
        progress?.stop();
        files.close();
        for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
        process.exit(130);
      },
    );
    if (viz) {
      log(`live view: ${viz.url}`);
      if (opts.vizWait && opts.vizWait > 0) {
        log(`waiting for the page to connect (up to ${opts.vizWait} s; --viz-wait 0 starts at once)`);
        await Promise.race([viz.firstViewer, interrupts.first, new Promise((res) => setTimeout(res, opts.vizWait! * 1000).unref())]);
      }
    }
    progress = attachProgress(asEngine, { tty: Boolean(process.stderr.isTTY) && !opts.quiet, out: process.stderr });
    const summary = await observer.run();
    progress.stop();
    log(describeSummary(summary));
    if (summary.live) log(describeLinks(summary.live));
    const codes = await Promise.all(children.map((c) => c.exited));
    // a process lost during the run (killed, crashed) is in the metrics, not a failure of the run
    const lost = new Set(summary.live?.lost?.map((l) => l.process));
    const failed = codes.findIndex((c, k) => c !== 0 && !lost.has(k));
    if (failed >= 0 && !summary.aborted) throw new PlexusError(`live: process ${failed} exited with code ${codes[failed]} after the run`);
    log(`files: ${out.dir}/{metrics.jsonl,peers.jsonl,summary.json,topology.json,config.resolved.json}`);
    if (childOut) log(`each process's own files: ${join(childOut, PROCESSES_DIR)}/K/{peers.jsonl,links.json,process.json}`);
    if (summary.aborted) process.exitCode = 130;
  } finally {
    progress?.stop();
    files.close();
  }
}

/** Tells the transport who the members are; a key that is not this observer's line is the user's to fix. */
function admitMembers(transport: Transport, members: string[][]): void {
  try {
    transport.admit?.(members);
  } catch (e) {
    throw new UsageError(`--key: ${(e as Error).message}`);
  }
}

/** A directory the run owns (processes/): kept when it is there already (--force on an old run). */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST' && lstatSync(dir).isDirectory()) return;
    throw new UsageError(`--out: cannot create ${dir}: ${reason(e)}`);
  }
}

/** The links between processes in a line each: rtt and throughput (wall clock). */
function describeLinks(live: LiveSummary): string {
  const rows = live.links
    .filter((l) => l.to < live.processes && l.bytesSent > 0)
    .map((l) => `  ${l.from} -> ${l.to}: ${(l.bytesSent / 1e6).toFixed(1)} MB in ${l.framesSent} frames, ${(l.bytesPerSecond / 1e6).toFixed(1)} MB/s, rtt ${l.rttMs === null ? '-' : `${l.rttMs.toFixed(2)} ms`}`);
  return [`live: ${live.processes} processes over ${live.transport}; rounds took ${live.roundsSeconds.map((s) => s.toFixed(1)).join(', ')} s`, ...rows].join('\n');
}
