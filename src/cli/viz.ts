// `plexus viz RUN_DIR` and the server behind `plexus run --viz`: the only place the
// viz touches argv, stdout and signals. The server itself lives in viz/server/.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { openInBrowser } from '../../viz/server/open-browser.js';
import { checkRunDir, RunDirError, runFilePath } from '../../viz/server/run-dir.js';
import { createVizServer, DEFAULT_HOST, VizServerError } from '../../viz/server/server.js';
import { UsageError } from './options.js';

/** Comma-separated host names the viz server answers besides its own (see --allow-host). */
export const ALLOWED_HOSTS_ENV = 'PLEXUS_VIZ_ALLOWED_HOSTS';

/** The port `plexus viz` tries first; if it is taken (and was not asked for) a free one is used. */
export const DEFAULT_VIZ_PORT = 7311;

export interface StartVizOptions {
  runDir: string;
  host?: string;
  /** 0 picks a free port. Defaults to 0. */
  port?: number;
  open?: boolean;
  /** Overrides where the built page is read from (tests). */
  pageDir?: string;
  /** How often new lines are looked for, in ms. */
  pollMs?: number;
  /** Host names to answer besides loopback and this machine's own; PLEXUS_VIZ_ALLOWED_HOSTS adds more. */
  allowedHosts?: string[];
  /** The run directory will be created after the server starts (`plexus run --viz`). */
  runDirLater?: boolean;
  /** Where warnings go (a network bind, a refused symlink); default stderr. */
  warn?: (line: string) => void;
  /** Longer jsonl lines are skipped with a warning (default 32 MiB). */
  maxLineBytes?: number;
}

export interface VizHandle {
  url: string;
  /** Resolves when a page first opens the live stream. */
  firstViewer: Promise<void>;
  /** Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Serves the page and one run directory's data (and its live event stream) on
 * 127.0.0.1 unless told otherwise. Throws RunDirError if runDir is not a directory,
 * VizServerError if the port cannot be bound.
 */
export async function startVizServer(opts: StartVizOptions): Promise<VizHandle> {
  const runDir = opts.runDirLater ? resolve(opts.runDir) : await checkRunDir(opts.runDir);
  let viewer!: () => void;
  const firstViewer = new Promise<void>((res) => (viewer = res));
  const fromEnv = (process.env[ALLOWED_HOSTS_ENV] ?? '').split(',').filter((h) => h.trim());
  const server = await createVizServer({
    runDir,
    host: opts.host ?? DEFAULT_HOST,
    port: opts.port ?? 0,
    pageDir: opts.pageDir,
    pollMs: opts.pollMs,
    maxLineBytes: opts.maxLineBytes,
    onViewer: () => viewer(),
    allowedHosts: [...(opts.allowedHosts ?? []), ...fromEnv],
    onWarning: opts.warn ?? ((line) => process.stderr.write(line + '\n')),
  });
  if (opts.open) openInBrowser(server.url);
  return { url: server.url, firstViewer, close: () => server.close() };
}

/**
 * The server behind `plexus run --viz`, started before the run directory exists, so that a
 * busy --port or a bad --host is a UsageError (exit 2) and leaves nothing behind.
 */
export async function startRunViz(opts: Omit<StartVizOptions, 'runDirLater'>): Promise<VizHandle> {
  try {
    return await startVizServer({ ...opts, runDirLater: true });
  } catch (err) {
    if (err instanceof VizServerError) throw new UsageError(err.message);
    throw err;
  }
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port number 0-65535 (0 picks a free one)');
  return port;
}

export interface VizCommandOptions {
  host?: string;
  port?: number;
  open?: boolean;
  pageDir?: string;
  allowHost?: string[];
}

export interface VizCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the server should stop (defaults to Ctrl-C / SIGTERM). */
  until?: Promise<unknown>;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Runs `plexus viz` to completion and returns the exit code: 0, or 2 for a bad run dir or port. */
export async function runVizCommand(runDir: string, opts: VizCommandOptions, io: VizCommandIo): Promise<number> {
  let handle: VizHandle;
  try {
    await checkRunDir(runDir, { requireTopology: true });
    const explicitPort = opts.port !== undefined;
    const start = (port: number) =>
      startVizServer({ runDir, host: opts.host, port, open: opts.open, pageDir: opts.pageDir, allowedHosts: opts.allowHost, warn: io.err });
    try {
      handle = await start(opts.port ?? DEFAULT_VIZ_PORT);
    } catch (err) {
      if (explicitPort || !(err instanceof VizServerError && err.flag === '--port')) throw err;
      handle = await start(0);
    }
  } catch (err) {
    if (err instanceof RunDirError) {
      io.err(`plexus ${err.message}`);
      return 2;
    }
    if (err instanceof VizServerError) {
      io.err(`plexus viz: ${err.message}`);
      return 2;
    }
    throw err;
  }
  io.out(`Plexus viz: ${handle.url}`);
  const finished = existsSync(runFilePath(runDir, 'summary'));
  io.out(`${finished ? 'Replaying' : 'Following (still being written)'} ${runDir}. Press Ctrl-C to stop.`);
  await (io.until ?? untilSignal());
  await handle.close();
  return 0;
}

/** Adds `plexus viz RUN_DIR [--host] [--port] [--open]` to the CLI. */
export function registerVizCommand(program: Command): Command {
  return program
    .command('viz')
    .description('replay a run directory in the browser (a run still being written is followed live)')
    .argument('<run-dir>', 'the --out folder of a run')
    .option('--host <host>', 'address to listen on', DEFAULT_HOST)
    .option('--port <port>', `port to listen on; 0 picks a free one (default: ${DEFAULT_VIZ_PORT}, or a free one if taken)`, parsePort)
    .option('--open', 'open the page in the default browser')
    .option(
      '--allow-host <name>',
      `with a network --host: another name browsers use to reach this machine (repeatable; also ${ALLOWED_HOSTS_ENV}=a,b)`,
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(async (runDir: string, opts: VizCommandOptions) => {
      const code = await runVizCommand(runDir, opts, {
        out: (l) => process.stdout.write(l + '\n'),
        err: (l) => process.stderr.write(l + '\n'),
      });
      process.exitCode = code;
    });
}
