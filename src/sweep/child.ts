// One `plexus run` in its own process: the built CLI under this Node.js, stdout drained and the
// tail of stderr kept for the record. Children get their own process group, so a Ctrl-C in the
// terminal reaches only the sweep, which decides what each child is sent.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** the last lines of stderr (or why the process could not start) */
  stderrTail: string[];
}

export interface ChildRun {
  readonly pid: number | undefined;
  /** Sends a signal (ignored once the child has exited). */
  signal(sig: NodeJS.Signals): void;
  readonly exited: Promise<ChildExit>;
}

export interface ChildOptions {
  /** the CLI entry to run (default: this package's bin/plexus.js) */
  bin?: string;
  cwd?: string;
  /** lines of stderr to keep */
  tail?: number;
  /** every complete stderr line, as it comes */
  onLine?(line: string): void;
}

/** This package's bin/plexus.js, found from this module whether it runs from src/ or dist/src/. */
export function plexusBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const bin = join(dir, 'bin', 'plexus.js');
    if (existsSync(bin)) return bin;
    dir = dirname(dir);
  }
  throw new Error('plexus sweep: cannot find bin/plexus.js above ' + dirname(fileURLToPath(import.meta.url)));
}

/** A line longer than this is cut: the record wants the gist, not a megabyte of one line. */
const MAX_LINE = 2000;

export function startChild(args: readonly string[], opts: ChildOptions = {}): ChildRun {
  const keep = opts.tail ?? 20;
  const tail: string[] = [];
  let partial = '';
  const push = (line: string) => {
    if (line.length > MAX_LINE) line = line.slice(0, MAX_LINE) + ' ...';
    // progress bars redraw with \r; keep what the line finally said
    line = line.slice(line.lastIndexOf('\r') + 1);
    opts.onLine?.(line);
    if (line.trim() === '') return;
    tail.push(line);
    if (tail.length > keep) tail.shift();
  };
  const child = spawn(process.execPath, [opts.bin ?? plexusBin(), ...args], {
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  });
  child.stdout!.resume();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    if (partial.length > 4 * MAX_LINE) partial = partial.slice(-4 * MAX_LINE);
    lines.forEach(push);
  });
  let exitedAlready = false;
  const exited = new Promise<ChildExit>((res) => {
    child.on('error', (e) => {
      exitedAlready = true;
      res({ code: null, signal: null, stderrTail: [`could not start ${process.execPath}: ${e.message}`] });
    });
    // 'close', not 'exit': every byte of stderr has been read by then
    child.on('close', (code, signal) => {
      exitedAlready = true;
      if (partial) push(partial);
      partial = '';
      res({ code, signal, stderrTail: tail.slice() });
    });
  });
  return {
    pid: child.pid,
    signal(sig) {
      if (exitedAlready || child.exitCode !== null || child.signalCode !== null) return;
      try {
        child.kill(sig);
      } catch {
        // already gone
      }
    },
    exited,
  };
}
