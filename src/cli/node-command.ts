// `plexus node CONFIG`: one process of a live run, started by hand (one per machine, or several):
// it hosts a slice of the peers, listens, waits for the bootstrap file to list every member, then
// runs its rounds in step with the others and reports to the observer (`plexus live` or another).
import type { Command } from 'commander';
import { loadConfig } from '../config/resolve.js';
import { ConfigError } from '../errors.js';
import { waitForBootstrap } from '../live/bootstrap.js';
import { LiveNode, sliceOf, type LiveNodeOptions } from '../live/node.js';
import { RejoinRefused } from '../live/frame-checks.js';
import { ProcessRecord, RoundPeers } from '../live/peer-files.js';
import { AsyncRoundPeers } from '../live/async/peer-line.js';
import { liveIssues, rejoinIssues } from '../live/support.js';
import { AsyncLiveNode } from '../live/async/node.js';
import { asyncLiveIssues, DEFAULT_TIME_SCALE_MS, isAsyncLive } from '../live/async/support.js';
import { createLiveTransport, LIVE_TRANSPORTS, loopbackListen } from '../live/transports.js';
import { readKeyFile } from '../live/identity.js';
import { readSecretFile } from '../live/secret.js';
import { checkWorkers, parseIntOption, parseSizeOption, UsageError } from './options.js';
import { parseListen, startListening } from './live-listen.js';
import { checkNodeMemory } from '../live/live-memory.js';
import { defaultMemoryLimit } from '../config/memory-limit.js';
import { openProcessFiles, type ProcessFiles } from './process-files.js';
import { planOutDir } from './out-dir.js';

export interface NodeOptions {
  slice?: string;
  index: number;
  processes: number;
  listen?: string;
  bootstrap: string;
  transport: string;
  seed?: number;
  rounds?: number;
  workers?: number;
  backend?: 'auto' | 'wasm' | 'cpu' | 'node';
  bootstrapWait: number;
  timeout: number;
  rejoin?: boolean;
  /** this process's own files */
  out?: string;
  force?: boolean;
  /** asynchronous protocols: wall milliseconds of one virtual time unit */
  timeScale: number;
  emulateNetwork?: boolean;
  /** this process's private key and the run secret (files of mode 0600) */
  key?: string;
  secret?: string;
  maxMemory?: number;
}

export function registerNodeCommand(program: Command): void {
  program
    .command('node')
    .description('run one process of a live run (a slice of the peers) by hand, e.g. one per machine; see `plexus live`')
    .argument('<config>', 'experiment config file: the same file (and --seed, --rounds) on every process')
    .requiredOption('--index <k>', 'this process: 0..P-1', parseIntOption('--index', 0))
    .requiredOption('--processes <P>', 'processes in the run (the observer is member P)', parseIntOption('--processes', 1))
    .requiredOption('--bootstrap <file>', 'one line per member 0..P (P: the observer) with the address it listens on; waited for until complete')
    .option('--slice <a..b>', 'the peers a..b-1 this process hosts, as a check: it must be the k-th of P even slices')
    .option('--listen <address>', 'where to listen: a multiaddr for libp2p (default /ip4/127.0.0.1/tcp/0), host:port for tcp')
    .option('--transport <name>', `${LIVE_TRANSPORTS.join(' | ')}`, 'libp2p')
    .option('--key <file>', 'this process\'s private key (mode 0600, from `plexus live keys`); its /p2p/ id is this index\'s in the bootstrap file (default: a fresh key); the same key again for --rejoin')
    .option('--secret <file>', 'the run secret (mode 0600, from `plexus live keys`): only members holding it can connect')
    .option('-s, --seed <n>', 'override the config seed (the same on every process)', parseIntOption('--seed', 0))
    .option('-r, --rounds <n>', 'override the number of rounds (the same on every process)', parseIntOption('--rounds', 1))
    .option('-w, --workers <n>', 'worker threads of this process (default 0: inline)', parseIntOption('--workers', 0))
    .option('-b, --backend <name>', 'TF.js backend: auto | wasm | cpu | node', 'auto')
    .option('--timeout <ms>', 'ping a process whose frames do not come within this long (plus 1 ms per kB); go on without it if it does not answer as long', parseIntOption('--timeout', 1), 5000)
    .option('--rejoin', 'take the place of process --index, lost during the run: join the live processes at their next round (gossip-learning: at their next whole unit of virtual time, from the initial model)')
    .option('-o, --out <dir>', 'write this process\'s own files there (its peers\' lines of peers.jsonl, links.json, process.json); a new or empty directory, kept and appended to with --rejoin (default: none written)')
    .option('-f, --force', 'with --out: replace this process\'s files already there')
    .option('--bootstrap-wait <seconds>', 'how long to wait for the bootstrap file to list every member', parseIntOption('--bootstrap-wait', 1), 300)
    .option('--time-scale <ms>', 'asynchronous protocols (gossip-learning): wall milliseconds of one virtual time unit', parseIntOption('--time-scale', 1), DEFAULT_TIME_SCALE_MS)
    .option('--emulate-network', 'asynchronous protocols: the senders delay and drop their messages by time.latency, latencySpread, bandwidth and drop (emulation, not netem)')
    .option('--max-memory <size>', 'refuse to start when this process is estimated to need more memory than this, e.g. 8G (default: 80% of the machine or container memory)', parseSizeOption('--max-memory'))
    .addHelpText('after', `
Prints one JSON line on stdout once listening: {"index":k,"addresses":[...]}. Logs go to stderr.
With --out DIR, DIR gets this process's own files: peers.jsonl (the observer's
peers.jsonl lines cut to this slice, "first" naming its first peer), links.json (its rows of
summary.json's live.links) and process.json (slice, rounds, the processes it went on without).
Example on two machines and an observer: \`plexus live keys --processes 2 --out keys --hosts
10.0.0.1,10.0.0.2,10.0.0.3\` makes key-0..2, secret and bootstrap.txt (the same everywhere):
  /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW...
  /ip4/10.0.0.2/tcp/4001/p2p/12D3KooW...
  /ip4/10.0.0.3/tcp/4001/p2p/12D3KooW...
  machine 1: plexus node run.yaml --index 0 --processes 2 --listen /ip4/0.0.0.0/tcp/4001 --bootstrap bootstrap.txt --key key-0 --secret secret
  machine 2: plexus node run.yaml --index 1 --processes 2 --listen /ip4/0.0.0.0/tcp/4001 --bootstrap bootstrap.txt --key key-1 --secret secret
  machine 3: plexus live run.yaml --processes 2 --join bootstrap.txt --listen /ip4/0.0.0.0/tcp/4001 --key key-2 --secret secret --out runs/x`)
    .action(async (configPath: string, opts: NodeOptions) => {
      await nodeCommand(configPath, opts);
    });
}

export async function nodeCommand(configPath: string, opts: NodeOptions): Promise<void> {
  const log = (s: string) => process.stderr.write(`[process ${opts.index}] ${s}\n`);
  checkWorkers(opts.workers);
  const config = await loadConfig(configPath, { overrides: { seed: opts.seed } });
  if (opts.rounds !== undefined) config.rounds = opts.rounds;
  const asyncLive = isAsyncLive(config);
  const issues = asyncLive ? asyncLiveIssues(config, opts.processes, opts.timeScale) : liveIssues(config, opts.processes);
  if (opts.index >= opts.processes) issues.push(`--index: ${opts.index} is not a process of 0..${opts.processes - 1}`);
  if (opts.rejoin) issues.push(...rejoinIssues(config, '--rejoin'));
  if (issues.length > 0) throw new ConfigError(issues, 'Cannot run live');
  const [a, b] = sliceOf(config.peers, opts.processes, opts.index);
  if (opts.slice !== undefined && opts.slice !== `${a}..${b}`) {
    throw new UsageError(`--slice: process ${opts.index} of ${opts.processes} hosts peers ${a}..${b} (of ${config.peers}), not ${opts.slice}`);
  }
  if (!(LIVE_TRANSPORTS as readonly string[]).includes(opts.transport)) throw new UsageError(`--transport: '${opts.transport}' is not a transport; use ${LIVE_TRANSPORTS.join(' | ')}`);
  const listen = opts.listen ?? loopbackListen(opts.transport as never);
  await parseListen(opts.transport, listen);
  checkNodeMemory(config, { processes: opts.processes, index: opts.index, workers: opts.workers ?? 0 }, opts.maxMemory !== undefined ? { bytes: opts.maxMemory, source: 'set by --max-memory' } : defaultMemoryLimit());
  // a busy directory is refused before anything is built
  if (opts.out !== undefined && !opts.rejoin) planOutDir(opts.out, { force: opts.force });
  let files: ProcessFiles | undefined;
  const listeners: Pick<LiveNodeOptions, 'onMeasured' | 'onDone'> = { onMeasured: (m) => files?.listeners.onMeasured(m), onDone: (d) => files?.listeners.onDone(d) };
  const credentials = { key: opts.key ? readKeyFile(opts.key) : undefined, secret: opts.secret ? readSecretFile(opts.secret) : undefined };
  const transport = await createLiveTransport(opts.transport, opts.index, listen, credentials);
  let node: LiveNode | AsyncLiveNode | undefined;
  try {
    node = asyncLive
      ? await AsyncLiveNode.create(config, { transport, processes: opts.processes, backend: opts.backend, timeScaleMs: opts.timeScale ?? DEFAULT_TIME_SCALE_MS, emulateNetwork: opts.emulateNetwork, timeoutMs: opts.timeout, ...listeners })
      : await LiveNode.create(config, { transport, processes: opts.processes, workers: opts.workers ?? 0, backend: opts.backend, timeoutMs: opts.timeout, ...listeners });
    if (opts.out !== undefined) {
      const peers = node instanceof LiveNode ? new RoundPeers(node.world) : new AsyncRoundPeers(node.world);
      files = openProcessFiles(opts.out, new ProcessRecord(node.world, opts.processes, opts.index, node.slice, peers), { rejoin: opts.rejoin, force: opts.force });
    }
    const addresses = await startListening(transport, opts.transport, listen);
    process.stdout.write(JSON.stringify({ index: opts.index, addresses }) + '\n');
    log(`peers ${a}..${b - 1}, pid ${process.pid}, listening on ${addresses.join(' ')}`);
    const members = await waitForBootstrap(opts.bootstrap, opts.processes + 1, opts.bootstrapWait * 1000, opts.transport);
    try {
      transport.admit?.(members); // from now on only the members listed there get in
    } catch (e) {
      throw new UsageError(`--key: ${(e as Error).message}`);
    }
    let end: 'done' | 'stopped' = 'stopped';
    if (opts.rejoin) {
      end = await node.rejoin(members, addresses).catch((e: unknown) => {
        throw e instanceof RejoinRefused ? new UsageError(e.message) : e;
      });
    } else {
      await transport.connect(members);
      end = await node.run();
    }
    if (node instanceof LiveNode) {
      const net = node.networkMs();
      log(`${end === 'done' ? 'done' : 'stopped by the observer'}: ${(net.exchange / 1000).toFixed(2)} s exchanging rows, ${(net.reduce / 1000).toFixed(2)} s in the consensus reduction`);
    } else log(end === 'done' ? 'done' : 'stopped by the observer');
    files?.finish(end);
    if (files) log(`files: ${files.dir}/{peers.jsonl,links.json,process.json}`);
  } finally {
    files?.finish('stopped');
    await node?.close();
    await transport.close();
  }
}
