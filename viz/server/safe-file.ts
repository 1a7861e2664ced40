// Opening a run's files without following symbolic links: a run directory that links
// metrics.jsonl to /etc/passwd must not serve /etc/passwd. Every file the server reads
// goes through here: O_NOFOLLOW on the last component, and only regular files (no FIFOs,
// devices or directories, which could block or never end).

import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { PlexusError } from '../../src/errors.js';

/** A run file is a symbolic link or not a regular file; the server will not read it. */
export class UnsafeFileError extends PlexusError {}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
const FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export interface OpenedFile {
  fh: FileHandle;
  size: number;
}

/** Opens a regular file for reading; null if it does not exist; UnsafeFileError if it is a link or not a regular file. */
export async function openRegularFile(path: string): Promise<OpenedFile | null> {
  let fh: FileHandle;
  try {
    if (constants.O_NOFOLLOW === undefined && (await lstat(path)).isSymbolicLink()) throw symlinkError(path);
    fh = await open(path, FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP' || code === 'EMLINK') throw symlinkError(path);
    throw err;
  }
  const stats = await fh.stat();
  if (!stats.isFile()) {
    await fh.close();
    throw new UnsafeFileError(`viz: ${path} is not a regular file; the viz server reads only regular files`);
  }
  return { fh, size: stats.size };
}

/** The whole text of a regular file of at most `maxBytes`; null if it does not exist. */
export async function readRegularFile(path: string, maxBytes: number): Promise<string | null> {
  const file = await openRegularFile(path);
  if (!file) return null;
  try {
    if (file.size > maxBytes) throw new UnsafeFileError(`viz: ${path} is ${file.size} bytes, more than the ${maxBytes} the viz server reads`);
    const buf = Buffer.alloc(file.size);
    const { bytesRead } = await file.fh.read(buf, 0, file.size, 0);
    return buf.toString('utf8', 0, bytesRead);
  } finally {
    await file.fh.close();
  }
}

function symlinkError(path: string): UnsafeFileError {
  return new UnsafeFileError(`viz: refusing to follow the symbolic link ${path}; copy the file into the run directory instead`);
}
