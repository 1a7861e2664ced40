// Every file Plexus reads or writes goes through here: a reader gets only a regular file (never a
// link, FIFO, device or directory), opened without following links or blocking, read up to a bound;
// a writer creates files new (never through a link) or replaces them by atomic rename.
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PlexusError } from './errors.js';

/**
 * A file could not be used: missing, not a regular file, too large, unreadable. `code` is the
 * errno code (ENOENT, EACCES...) or one of Plexus's own: ENOTREG (a link, FIFO, device or
 * directory), ETOOBIG (over the read bound).
 */
export class FileAccessError extends PlexusError {
  readonly path: string;
  readonly code: string;
  constructor(path: string, code: string, message: string) {
    super(message);
    this.path = path;
    this.code = code;
  }
}

// O_NOFOLLOW: a link in the last component fails with ELOOP. O_NONBLOCK: opening a FIFO's read end
// returns at once instead of waiting for a writer (and the fstat below then refuses it).
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** What a non-regular file is, for messages. */
export function fileKind(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'it is a symbolic link; Plexus never reads through links, so name the file itself';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return (e as Error)?.message ?? String(e);
  }
}

/** "1.5 MiB" */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export interface RegularFileOptions {
  /** how messages name the file ("the checkpoint", "config file"); default "file" */
  what?: string;
}

export interface ReadBoundedOptions extends RegularFileOptions {
  /** the most bytes accepted; a larger file is refused before it is read */
  maxBytes: number;
}

/** An open regular file: its descriptor and size. The caller closes `fd`. */
export interface OpenedFile {
  fd: number;
  size: number;
  path: string;
}

/**
 * Opens `path` for reading if, and only if, it is a regular file reached without a link in its
 * last component; throws FileAccessError otherwise (code ENOENT for a missing file). Never blocks
 * on a FIFO.
 */
export function openRegularFile(path: string, opts: RegularFileOptions = {}): OpenedFile {
  const what = opts.what ?? 'file';
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ELOOP') throw new FileAccessError(path, 'ENOTREG', `${what} ${path}: ${describeErrno(e)}`);
    // ENXIO: a socket or a FIFO opened for writing without a reader; not a file either way
    if (code === 'ENXIO') throw new FileAccessError(path, 'ENOTREG', `${what} ${path}: not a regular file`);
    throw new FileAccessError(path, code, `${what} ${path}: ${describeErrno(e)}`);
  }
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (e) {
    closeSync(fd);
    throw new FileAccessError(path, 'EIO', `${what} ${path}: ${describeErrno(e)}`);
  }
  if (!st.isFile()) {
    closeSync(fd);
    throw new FileAccessError(path, 'ENOTREG', `${what} ${path}: ${fileKind(st)}, not a regular file; Plexus reads regular files only`);
  }
  return { fd, size: st.size, path };
}

/** Reads `length` bytes at `position` from an open file; throws when the file is shorter. */
export function readExactly(file: OpenedFile, position: number, length: number, what = 'file'): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(file.fd, buf, got, length - got, position + got);
    if (n === 0) throw new FileAccessError(file.path, 'ETRUNC', `${what} ${file.path}: ends after ${position + got} bytes, ${position + length} expected (cut short?)`);
    got += n;
  }
  return buf;
}

/**
 * The bytes of a regular file of at most `maxBytes`. The bound is checked on the size before any
 * read and again while reading (a file that grows meanwhile is refused too).
 */
export function readRegularFile(path: string, opts: ReadBoundedOptions): Buffer {
  const what = opts.what ?? 'file';
  const file = openRegularFile(path, opts);
  try {
    if (file.size > opts.maxBytes) {
      throw new FileAccessError(path, 'ETOOBIG', `${what} ${path}: ${formatBytes(file.size)}, more than the ${formatBytes(opts.maxBytes)} Plexus reads for it`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Math.min(Math.max(file.size, 4096), opts.maxBytes + 1, 1 << 24);
    for (;;) {
      const buf = Buffer.allocUnsafe(chunk);
      const n = readSync(file.fd, buf, 0, chunk, null);
      if (n === 0) break;
      total += n;
      if (total > opts.maxBytes) {
        throw new FileAccessError(path, 'ETOOBIG', `${what} ${path}: more than the ${formatBytes(opts.maxBytes)} Plexus reads for it (it grew while read)`);
      }
      chunks.push(n === chunk ? buf : buf.subarray(0, n));
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    closeSync(file.fd);
  }
}

/** A regular file's UTF-8 text, of at most `maxBytes`. */
export function readRegularText(path: string, opts: ReadBoundedOptions): string {
  return readRegularFile(path, opts).toString('utf8');
}

/** lstat without throwing for a missing path. */
export function lstatIfExists(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FileAccessError(path, (e as NodeJS.ErrnoException).code ?? 'EIO', `${path}: ${describeErrno(e)}`);
  }
}

/**
 * Creates `path` new (O_EXCL, never through a link) and writes `data` into it. With `replace`, an
 * existing regular file or link there is removed first (a link itself, never its target); a
 * directory, FIFO or device is refused.
 */
export function createFile(path: string, data: string | Uint8Array, opts: { mode?: number; replace?: boolean; what?: string } = {}): void {
  const what = opts.what ?? 'file';
  if (opts.replace) {
    const st = lstatIfExists(path);
    if (st && !st.isFile() && !st.isSymbolicLink()) {
      throw new FileAccessError(path, 'ENOTREG', `${what} ${path}: ${fileKind(st)} is in the way; Plexus writes regular files only`);
    }
    if (st) unlinkSync(path);
  }
  let fd: number;
  try {
    fd = openSync(path, CREATE_NEW, opts.mode ?? 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const why = code === 'EEXIST' ? 'already exists (Plexus creates its files new)' : describeErrno(e);
    throw new FileAccessError(path, code, `${what} ${path}: cannot create it: ${why}`);
  }
  try {
    writeAll(fd, data);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: string | Uint8Array): void {
  if (typeof data === 'string') {
    writeSync(fd, data);
    return;
  }
  let off = 0;
  while (off < data.byteLength) off += writeSync(fd, data, off, data.byteLength - off);
}

/**
 * Replaces `path` so that a reader sees the old content or the new, never half of one: a temporary
 * file beside it (created new), flushed to disk, renamed over the target. A link at `path` is
 * replaced, its target untouched.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: { mode?: number } = {}): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  removeIfThere(temp); // left by an earlier process of the same id that was killed
  const fd = openSync(temp, CREATE_NEW, opts.mode ?? 0o644);
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    removeIfThere(temp);
    throw e;
  }
  closeSync(fd);
  renameSync(temp, path);
}

/** Removes a file (or a link itself) if it is there. */
export function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/**
 * A regular file's UTF-8 text that only its owner may read (a key, a run secret): a file that
 * group or others can read is refused (code EMODE) with the chmod that fixes it.
 */
export function readPrivateText(path: string, opts: ReadBoundedOptions): string {
  const what = opts.what ?? 'file';
  const file = openRegularFile(path, opts);
  let mode: number;
  try {
    mode = fstatSync(file.fd).mode;
  } finally {
    closeSync(file.fd);
  }
  if ((mode & 0o077) !== 0) {
    throw new FileAccessError(path, 'EMODE', `${what} ${path}: mode ${(mode & 0o777).toString(8).padStart(4, '0')} lets others read it; it is a secret: chmod 600 ${path}`);
  }
  return readRegularText(path, opts);
}

export interface LineOptions extends RegularFileOptions {
  /** the most bytes read in all; a larger file is refused before it is read */
  maxBytes: number;
  /** a line longer than this (in UTF-16 units) is refused: the file is not line-oriented text */
  maxLineLength: number;
  /** refuse bytes that are not UTF-8 (code EUTF8) instead of replacing them */
  fatal?: boolean;
}

/**
 * Calls `fn` with every line of a regular file (without its '\n'; 1-based numbers), reading it in
 * chunks so neither the file nor a JavaScript string has to hold it whole. The last line is passed
 * even without a final '\n'.
 */
export function forEachLine(path: string, fn: (text: string, line: number) => void, opts: LineOptions): void {
  const what = opts.what ?? 'file';
  const file = openRegularFile(path, opts);
  try {
    if (file.size > opts.maxBytes) {
      throw new FileAccessError(path, 'ETOOBIG', `${what} ${path}: ${formatBytes(file.size)}, more than the ${formatBytes(opts.maxBytes)} Plexus reads for it`);
    }
    const decoder = new TextDecoder('utf-8', { fatal: opts.fatal ?? false });
    const buf = new Uint8Array(1 << 20);
    let carry = '';
    let line = 0;
    let total = 0;
    for (;;) {
      const got = readSync(file.fd, buf, 0, buf.length, null);
      total += got;
      if (total > opts.maxBytes) throw new FileAccessError(path, 'ETOOBIG', `${what} ${path}: more than the ${formatBytes(opts.maxBytes)} Plexus reads for it (it grew while read)`);
      let text: string;
      try {
        text = carry + decoder.decode(buf.subarray(0, got), { stream: got > 0 });
      } catch {
        throw new FileAccessError(path, 'EUTF8', `${what} ${path}: not UTF-8 text (near line ${line + 1})`);
      }
      const parts = text.split('\n');
      carry = parts.pop()!;
      for (const p of parts) fn(p, ++line);
      if (carry.length > opts.maxLineLength) {
        throw new FileAccessError(path, 'ELINE', `${what} ${path}: line ${line + 1} is longer than ${opts.maxLineLength.toLocaleString('en-US')} characters`);
      }
      if (got === 0) break;
    }
    if (carry !== '') fn(carry, ++line);
  } finally {
    closeSync(file.fd);
  }
}
