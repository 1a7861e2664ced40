// IDX files on disk, gzip'd or not (told apart by the gzip magic 1f 8b, not by the name). Every
// file is opened through safe-file (a regular file, never a link, FIFO or device). The header is
// read first (for gzip'd files: inflated from the first bytes only), so the sizes it declares are
// checked before anything large is read or inflated; inflation stops at the declared size.
import { closeSync } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import { FileAccessError, formatBytes, openRegularFile, readExactly, type OpenedFile } from '../safe-file.js';
import { parseIdxHeader, sizeMismatch, type IdxArray, type IdxHeader } from './idx.js';

const CHUNK = 16 * 2 ** 20;
/** enough compressed bytes to inflate any header (4 + 4 x 255 bytes), even after a long gzip file name */
const HEADER_PEEK = 64 * 1024;
/** enough for the header of any ordinary file */
const FIRST_PEEK = 4096;
const MAX_COMPRESSED = 2 ** 31 - 1;

export interface IdxFileHeader extends IdxHeader {
  readonly gzip: boolean;
}

export interface ReadIdxOptions {
  /**
   * The most data bytes the caller will take (e.g. what the memory limit leaves); a header that
   * declares more is refused before the data is read or inflated. `why` ends the message.
   */
  readonly maxDataBytes?: { bytes: number; why: string };
}

/** The header of an IDX file, reading only its first bytes. */
export function readIdxHeader(path: string): IdxFileHeader {
  const file = openDataFile(path);
  try {
    return headerOf(file);
  } finally {
    closeSync(file.fd);
  }
}

function headerOf(file: OpenedFile): IdxFileHeader {
  // a small prefix first: 4 KiB of deflate inflate to at most ~4 MiB, where 64 KiB could give 64 MiB
  for (const peek of [FIRST_PEEK, HEADER_PEEK]) {
    const head = readExactly(file, 0, Math.min(file.size, peek));
    if (!isGzip(head)) return { ...parseIdxHeader(head, file.path), gzip: false };
    // a prefix of the stream inflates as far as it goes with a sync flush
    const out = inflate(file.path, head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    const whole = out.length >= 4 && out.length >= 4 + 4 * out[3];
    if (whole || peek === HEADER_PEEK || head.length === file.size) return { ...parseIdxHeader(out, `${file.path} (gzip'd)`), gzip: true };
  }
  throw new Error('unreachable');
}

/** A whole IDX file: header checked (against `maxDataBytes` too), data length checked against the dims. */
export function readIdxFile(path: string, opts: ReadIdxOptions = {}): IdxArray {
  const file = openDataFile(path);
  try {
    const h = headerOf(file);
    if (opts.maxDataBytes && h.dataLength > opts.maxDataBytes.bytes) {
      throw new DataError(`${path}: dims [${h.dims.join(', ')}] declare ${formatBytes(h.dataLength)} of data; ${opts.maxDataBytes.why}`);
    }
    if (h.gzip) return inflateIdx(file, h);
    if (file.size - h.headerLength !== h.dataLength) throw sizeMismatch(path, h, file.size - h.headerLength);
    const data = new Uint8Array(h.dataLength);
    for (let at = 0; at < data.length; at += CHUNK) {
      data.set(readExactly(file, h.headerLength + at, Math.min(CHUNK, data.length - at), 'data file'), at);
    }
    return { dims: h.dims, data };
  } finally {
    closeSync(file.fd);
  }
}

function inflateIdx(file: OpenedFile, h: IdxFileHeader): IdxArray {
  const { path, size } = file;
  if (size > MAX_COMPRESSED) throw new DataError(`${path}: ${formatBytes(size)} of gzip'd data is more than the 2 GiB Plexus reads in one piece; store the file uncompressed`);
  const want = h.headerLength + h.dataLength;
  if (want > bufferConstants.MAX_LENGTH) throw new DataError(`${path}: dims [${h.dims.join(', ')}] declare ${h.dataLength} bytes, more than one buffer can hold; split the data`);
  // deflate never grows data by more than a few bytes per 16 KiB block: a gzip file far larger
  // than what its header declares holds something else
  if (size > 2 * want + HEADER_PEEK) {
    throw new DataError(`${path}: ${formatBytes(size)} of gzip'd data for dims [${h.dims.join(', ')}] (${formatBytes(h.dataLength)}); far more than that data compresses to, so the file holds something else; check it`);
  }
  // one byte more than declared, so trailing bytes are caught rather than cut off; inflation stops there
  const all = inflate(path, readExactly(file, 0, size, 'data file'), { maxOutputLength: Math.min(want + 1, bufferConstants.MAX_LENGTH) });
  if (all.length !== want) throw sizeMismatch(`${path} (gzip'd)`, h, all.length - h.headerLength);
  return { dims: h.dims, data: new Uint8Array(all.buffer, all.byteOffset + h.headerLength, h.dataLength) };
}

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** A regular file opened for reading (never through a link, never a FIFO or device), or a DataError naming it. */
export function openDataFile(path: string, what = 'an IDX file'): OpenedFile {
  try {
    return openRegularFile(path, { what: 'data file' });
  } catch (e) {
    if (!(e instanceof FileAccessError)) throw e;
    throw dataFileError(e, what);
  }
}

/** A data file that could not be used, as the DataError a config check reports. */
export function dataFileError(e: FileAccessError, what: string): DataError {
  if (e.code === 'ENOENT') return new DataError(`${e.path}: file not found; check the path (relative paths are relative to the config file)`);
  if (e.code === 'ENOTREG') return new DataError(`${e.message}; name ${what}`);
  return new DataError(`${e.path}: cannot read: ${e.message}`);
}

function inflate(path: string, bytes: Uint8Array, opts: { finishFlush?: number; maxOutputLength?: number }): Uint8Array {
  try {
    return gunzipSync(bytes, opts);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataError(`${path}: inflates to more bytes than its IDX header declares (trailing bytes); check the file`);
    }
    throw new DataError(`${path}: not a valid gzip stream (${(e as Error).message}); re-download or decompress the file`);
  }
}
