// Spawning the built CLI (dist/) as a user would, and the small configs the CLI tests share.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const BIN = join(process.cwd(), 'bin', 'plexus.js');

export interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

export async function plexus(args: string[], opts: { cwd?: string; timeout?: number } = {}): Promise<Exit> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: opts.timeout ?? 120_000, cwd: opts.cwd });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

export function tempDir(prefix = 'plexus-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeConfig(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** 8 peers on blobs, logistic regression: a run of a few rounds takes about a second. */
export const tiny = `peers: 8
rounds: 6
topology: { kind: ring, k: 1 }
data: { dataset: { kind: blobs, classes: 3, features: 6, trainSize: 800, testSize: 200 }, examplesPerPeer: 50 }
model: { kind: logistic }
train: { batchSize: 10 }
eval: { every: 3, testExamples: 200 }
`;

export interface Running {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

export function start(args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal, at: performance.now() })),
  );
  return { child, stderr: () => err, exited };
}

/** The status a shell reports: the exit code, or 128 + the signal's number when a signal ended it. */
export function shellStatus(exit: { code: number | null; signal: NodeJS.Signals | null }): number {
  return exit.code ?? 128 + (exit.signal ? constants.signals[exit.signal] : 0);
}

/** Waits until `test()` is true, polling; throws after `ms`, or when `run` ends first. */
export async function until(test: () => boolean, ms: number, what: string, run?: Running): Promise<void> {
  const end = performance.now() + ms;
  while (!test()) {
    if (run && run.child.exitCode !== null) throw new Error(`the run ended (status ${run.child.exitCode}) before ${what}:\n${run.stderr()}`);
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}${run ? `:\n${run.stderr()}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every line parsed as JSON (throws on a torn line). */
export function jsonLines(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) throw new Error(`${path} ends in the middle of a line`);
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

export function lineCount(path: string): number {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0;
}
