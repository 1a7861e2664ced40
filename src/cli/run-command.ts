// `plexus run CONFIG`: resolve the config, build the engine, write the run directory, report.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile } from '../config/resolve.js';
import { Engine } from '../engine/engine.js';
import { attachRunWriter } from './run-writer.js';
import { attachProgress } from './progress.js';
import { describeSetup, describeSummary } from './describe.js';
import { parseIntOption, UsageError } from './options.js';

export interface RunOptions {
  out?: string;
  seed?: number;
  rounds?: number;
  quiet?: boolean;
  workers?: number;
  backend?: 'auto' | 'wasm' | 'cpu' | 'node';
  viz?: boolean;
  open?: boolean;
  host?: string;
  port?: number;
  vizWait?: number;
  pace?: number;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run an experiment from a YAML or JSON config and write its run directory')
    .argument('<config>', 'experiment config file (YAML or JSON), e.g. experiments/quickstart.yaml')
    .option('-o, --out <dir>', 'run directory to write (default: runs/<name>-<timestamp>)')
    .option('-s, --seed <n>', 'override the config seed (integer >= 0)', parseIntOption('--seed', 0))
    .option('-r, --rounds <n>', 'override the number of rounds', parseIntOption('--rounds', 1))
    .option('-w, --workers <n>', 'worker threads (default: one per CPU, none on a single CPU; 0 runs inline on the main thread)', parseIntOption('--workers', 0))
    .option('-b, --backend <name>', 'TF.js backend: auto (node if installed, else wasm) | wasm | cpu | node', 'auto')
    .option('-q, --quiet', 'no progress bar: one plain line per evaluation')
    .option('--viz', 'serve the live view of this run and print its URL')
    .option('--open', 'with --viz: open the URL in a browser')
    .option('--host <host>', 'with --viz: address to bind', '127.0.0.1')
    .option('--port <n>', 'with --viz: port (0 picks a free one)', parseIntOption('--port', 0), 0)
    .option('--pace <rounds/s>', 'with --viz: at most this many rounds per second, so people can watch (0: full speed)', parseIntOption('--pace', 0), 10)
    .option('--viz-wait <seconds>', 'with --viz: wait this long for the page to connect before the first round', parseIntOption('--viz-wait', 0), 60)
    .addHelpText('after', `
Writes metrics.jsonl (one line per round), peers.jsonl (per-peer metrics on evaluation
rounds), topology.json, config.resolved.json and, at the end, summary.json.
Exit status: 0 done, 2 bad config or input, 1 failure during the run, 130 interrupted.`)
    .action(async (configPath: string, opts: RunOptions) => {
      await runCommand(configPath, opts);
    });
}

export async function runCommand(configPath: string, opts: RunOptions): Promise<void> {
  if (opts.backend && !['auto', 'wasm', 'cpu', 'node'].includes(opts.backend)) {
    throw new UsageError(`--backend: '${opts.backend}' is not a backend; use auto | wasm | cpu | node`);
  }
  const config = loadConfigFile(configPath, { overrides: { seed: opts.seed } });
  if (opts.rounds !== undefined) config.rounds = opts.rounds;
  const dir = resolve(opts.out ?? join('runs', `${config.name}-${timestamp()}`));
  if (existsSync(dir) && readdirSync(dir).includes('summary.json')) {
    throw new UsageError(`--out: ${dir} already holds a finished run; choose another directory`);
  }
  const log = (s: string) => process.stderr.write(s + '\n');
  // bound before anything is created: a busy --port is a usage error (exit 2) that leaves nothing behind
  const server = opts.viz ? await (await import('./viz.js')).startRunViz({ runDir: dir, host: opts.host, port: opts.port, open: opts.open }) : undefined;
  const pace = opts.viz ? (opts.pace ?? 10) : 0;
  const engine = await Engine.create(config, { workers: opts.workers, backend: opts.backend, maxRoundsPerSecond: pace });
  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted === 1) {
      log('\ninterrupted: finishing the current round (Ctrl-C again to stop now)');
      engine.abort();
    } else {
      void engine.close().finally(() => process.exit(130));
    }
  };
  process.on('SIGINT', onSigint);
  const writer = attachRunWriter(engine, dir);
  engine.on('setup', (e) => log(describeSetup(e)));
  engine.on('warning', (w) => log(`warning: ${w}`));
  let viz: { url: string; close(): Promise<void> } | undefined;
  if (server) {
    viz = server;
    log(`live view: ${server.url}`);
    if (pace > 0) log(`pacing the run to at most ${pace} rounds/s for the live view (--pace 0 for full speed)`);
    if (opts.vizWait && opts.vizWait > 0) {
      // a short run would be over before anyone looked: start when the page connects
      log(`waiting for the page to connect (up to ${opts.vizWait} s; --viz-wait 0 starts at once)`);
      await Promise.race([server.firstViewer, new Promise((res) => setTimeout(res, opts.vizWait! * 1000).unref())]);
    }
  }
  const progress = attachProgress(engine, { tty: Boolean(process.stderr.isTTY) && !opts.quiet, out: process.stderr });
  try {
    const summary = await engine.run();
    progress.stop();
    log(describeSummary(summary));
    log(`files: ${dir}/{metrics.jsonl,peers.jsonl,summary.json,topology.json,config.resolved.json}`);
    if (summary.aborted) process.exitCode = 130;
  } finally {
    progress.stop();
    writer.close();
    await engine.close();
  }
  if (viz) {
    if (interrupted) {
      await viz.close();
    } else {
      log(`run finished; the live view stays at ${viz.url} (Ctrl-C to stop)`);
      process.off('SIGINT', onSigint);
      await new Promise<void>((res) => process.once('SIGINT', () => res()));
      await viz.close();
    }
  }
  process.off('SIGINT', onSigint);
}
