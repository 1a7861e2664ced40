// Spawning `plexus sweep` from the built CLI (run `npm run build` first), and the tiny blobs
// config its tests sweep over: 8 peers, logistic regression, a run takes about a second.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = join(process.cwd(), 'bin', 'plexus.js');

export const tinyBase = `peers: 8
rounds: 5
topology: { kind: ring, k: 1 }
data: { dataset: { kind: blobs, classes: 3, features: 6, trainSize: 800, testSize: 200 }, examplesPerPeer: 50 }
model: { kind: logistic }
train: { batchSize: 10 }
eval: { every: 5, testExamples: 200 }
`;

/** A fresh directory holding these files. */
export function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'plexus-sweep-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export interface Sweep {
  kill(sig: NodeJS.Signals): void;
  stderr(): string;
  exited: Promise<{ code: number | null; at: number }>;
}

export function startSweep(args: string[], cwd: string): Sweep {
  const child = spawn(process.execPath, [BIN, 'sweep', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.stdout.resume();
  return {
    kill: (sig) => child.kill(sig),
    stderr: () => err,
    exited: new Promise((res) => child.on('close', (code) => res({ code, at: performance.now() }))),
  };
}

export async function sweep(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const s = startSweep(args, cwd);
  const { code } = await s.exited;
  return { code, stderr: s.stderr() };
}

/** Waits until `test()` holds, polling; throws after `ms`. */
export async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!test()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** sweep.jsonl, every line parsed (throws on a torn line). */
export function records(dir: string): Record<string, any>[] {
  const path = join(dir, 'sweep.jsonl');
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) throw new Error(`${path} ends in the middle of a line`);
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
