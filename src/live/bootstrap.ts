// The bootstrap file of a live run: one line per member, index 0..P (P is the observer), each the
// addresses (multiaddrs, space-separated) that member listens on. A node started before the file is
// complete waits for it, so a launcher can write it once every member has said where it listens.
import { readFileSync } from 'node:fs';
import { PlexusError } from '../errors.js';

/** The members' addresses, or undefined while the file is missing or has fewer than `members` lines. */
export function parseBootstrap(text: string, members: number, file = 'bootstrap file'): string[][] | undefined {
  const lines = text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l.length > 0);
  if (lines.length < members) return undefined;
  if (lines.length > members) {
    throw new PlexusError(`live: ${file} has ${lines.length} lines, for ${members} members (processes 0..${members - 2} and the observer); one line per member`);
  }
  return lines.map((l) => l.split(/\s+/));
}

/** Reads the bootstrap file, waiting (polling) until it lists every member, for at most `timeoutMs`. */
export async function waitForBootstrap(path: string, members: number, timeoutMs = 120_000): Promise<string[][]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new PlexusError(`live: cannot read the bootstrap file ${path}: ${(e as Error).message}`);
    }
    const parsed = text === undefined ? undefined : parseBootstrap(text, members, path);
    if (parsed) return parsed;
    if (Date.now() > deadline) {
      throw new PlexusError(`live: the bootstrap file ${path} did not list all ${members} members (processes and the observer) within ${timeoutMs / 1000} s`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}
