// The run directory as the viz server sees it: the fixed set of files of src/run-format/,
// read without following symbolic links, and a topology.json whose sizes have been checked.

import { lstat, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PlexusError } from '../../src/errors.js';
import { checkTopologyFile, RUN_FILES, RunFormatError, type RunFileKey, type TopologyFile } from '../../src/run-format/index.js';
import { readRegularFile, UnsafeFileError } from './safe-file.js';

/** A run directory is missing, is not a directory, or has no readable, valid topology.json. */
export class RunDirError extends PlexusError {}

export { RUN_FILES };
export type RunFile = RunFileKey;

/** topology.json is read whole; MAX_EDGES edges of about 30 bytes fit with room to spare. */
export const MAX_TOPOLOGY_BYTES = 256 << 20;

export function runFilePath(runDir: string, file: RunFile): string {
  return join(runDir, RUN_FILES[file]);
}

/** Whether a run file exists as a regular file (a symbolic link does not count). */
export async function hasRunFile(runDir: string, file: RunFile): Promise<boolean> {
  try {
    return (await lstat(runFilePath(runDir, file))).isFile();
  } catch {
    return false;
  }
}

export type TopologyRead = { ok: true; text: string; topology: TopologyFile } | { ok: false; reason: 'missing' | 'incomplete' | 'invalid'; message: string };

/**
 * Reads and checks topology.json. 'incomplete' is text that does not parse yet (a live run
 * may be writing it); 'invalid' is a file that parses but is wrong, or cannot be read safely.
 */
export async function readTopology(runDir: string): Promise<TopologyRead> {
  const path = runFilePath(runDir, 'topology');
  let text: string | null;
  try {
    text = await readRegularFile(path, MAX_TOPOLOGY_BYTES);
  } catch (err) {
    if (err instanceof UnsafeFileError) return { ok: false, reason: 'invalid', message: err.message };
    throw err;
  }
  if (text === null) return { ok: false, reason: 'missing', message: `${path} does not exist` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'incomplete', message: `${path} is not complete JSON` };
  }
  try {
    return { ok: true, text, topology: checkTopologyFile(value, path) };
  } catch (err) {
    if (err instanceof RunFormatError) return { ok: false, reason: 'invalid', message: err.message };
    throw err;
  }
}

/**
 * Resolves and checks a run directory (following a link to the directory itself: that is the
 * user's own choice). With `requireTopology` (a replay) it must hold a valid topology.json; a
 * live run may start serving just before its first round.
 */
export async function checkRunDir(dir: string, opts: { requireTopology?: boolean } = {}): Promise<string> {
  let abs: string;
  let isDir = false;
  try {
    abs = await realpath(resolve(dir));
    isDir = (await stat(abs)).isDirectory();
  } catch {
    throw new RunDirError(`viz: run directory ${dir} does not exist. Pass the --out folder of a run (e.g. runs/quickstart-...).`);
  }
  if (!isDir) throw new RunDirError(`viz: ${dir} is not a directory. Pass the --out folder of a run.`);
  if (opts.requireTopology) {
    const read = await readTopology(abs);
    if (read.ok) return abs;
    if (read.reason === 'missing') {
      throw new RunDirError(`viz: ${dir} is not a run directory (no topology.json). Run \`plexus run CONFIG --out ${dir}\` first.`);
    }
    if (read.reason === 'incomplete') {
      throw new RunDirError(`viz: ${join(dir, RUN_FILES.topology)} is not a valid topology file (see docs/run-format.md).`);
    }
    throw new RunDirError(read.message.startsWith('viz: ') ? read.message : `viz: ${read.message}`);
  }
  return abs;
}
