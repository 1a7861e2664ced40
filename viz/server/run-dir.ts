// The run directory as the viz server sees it: a fixed set of files, nothing else.

import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PlexusError } from '../../src/errors.js';

/** A run directory is missing, is not a directory, or has no readable topology.json. */
export class RunDirError extends PlexusError {}

/** The only files of a run directory the server will ever read (see docs/run-format.md). */
export const RUN_FILES = {
  config: 'config.resolved.json',
  topology: 'topology.json',
  metrics: 'metrics.jsonl',
  peers: 'peers.jsonl',
  summary: 'summary.json',
} as const;

export type RunFile = keyof typeof RUN_FILES;

export function runFilePath(runDir: string, file: RunFile): string {
  return join(runDir, RUN_FILES[file]);
}

/**
 * Resolves and checks a run directory. With `requireTopology` (a replay) it must hold a
 * parseable topology.json; a live run may start serving just before its first round.
 */
export async function checkRunDir(dir: string, opts: { requireTopology?: boolean } = {}): Promise<string> {
  const abs = resolve(dir);
  let isDir = false;
  try {
    isDir = (await stat(abs)).isDirectory();
  } catch {
    throw new RunDirError(`viz: run directory ${dir} does not exist. Pass the --out folder of a run (e.g. runs/quickstart-...).`);
  }
  if (!isDir) throw new RunDirError(`viz: ${dir} is not a directory. Pass the --out folder of a run.`);
  if (opts.requireTopology) {
    let text: string;
    try {
      text = await readFile(runFilePath(abs, 'topology'), 'utf8');
    } catch {
      throw new RunDirError(
        `viz: ${dir} is not a run directory (no topology.json). Run \`plexus run CONFIG --out ${dir}\` first.`,
      );
    }
    try {
      const topo = JSON.parse(text) as { n?: unknown; nodes?: unknown; edges?: unknown };
      if (typeof topo.n !== 'number' || !Array.isArray(topo.nodes) || !Array.isArray(topo.edges)) throw new Error('shape');
    } catch {
      throw new RunDirError(`viz: ${join(dir, RUN_FILES.topology)} is not a valid topology file (see docs/run-format.md).`);
    }
  }
  return abs;
}
