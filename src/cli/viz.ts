// `plexus viz RUN_DIR` and the server behind `plexus run --viz`: the only place the
// viz touches argv, stdout and signals. The server itself lives in viz/server/.

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { openInBrowser } from '../../viz/server/open-browser.js';
import { checkRunDir, RunDirError, runFilePath } from '../../viz/server/run-dir.js';
import { createVizServer, DEFAULT_HOST, VizServerError } from '../../viz/server/server.js';

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
  const runDir = await checkRunDir(opts.runDir);
  let viewer!: () => void;
  const firstViewer = new Promise<void>((res) => (viewer = res));
  const server = await createVizServer({
    runDir,
    host: opts.host ?? DEFAULT_HOST,
    port: opts.port ?? 0,
    pageDir: opts.pageDir,
    pollMs: opts.pollMs,
    onViewer: () => viewer(),
  });
  if (opts.open) openInBrowser(server.url);
  return { url: server.url, firstViewer, close: () => server.close() };
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
    try {
      handle = await startVizServer({ runDir, host: opts.host, port: opts.port ?? DEFAULT_VIZ_PORT, open: opts.open, pageDir: opts.pageDir });
    } catch (err) {
      if (explicitPort || !(err instanceof VizServerError)) throw err;
      handle = await startVizServer({ runDir, host: opts.host, port: 0, open: opts.open, pageDir: opts.pageDir });
    }
  } catch (err) {
    if (err instanceof RunDirError || err instanceof VizServerError) {
      io.err(`plexus ${err.message}`);
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
    .action(async (runDir: string, opts: VizCommandOptions) => {
      const code = await runVizCommand(runDir, opts, {
        out: (l) => process.stdout.write(l + '\n'),
        err: (l) => process.stderr.write(l + '\n'),
      });
      process.exitCode = code;
    });
}
