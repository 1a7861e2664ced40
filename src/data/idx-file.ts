// IDX files on disk, gzip'd or not (told apart by the gzip magic 1f 8b, not by the name).
// Plain files are read in chunks straight into the data array; gzip'd files are read whole and
// inflated with gunzipSync, bounded by the size the header declares (so a wrong header cannot
// inflate without limit): compressed files up to 2 GiB, inflated data up to Node's buffer limit.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import { parseIdxHeader, sizeMismatch, type IdxArray, type IdxHeader } from './idx.js';

const CHUNK = 16 * 2 ** 20;
/** enough compressed bytes to inflate any header (4 + 4 x 255 bytes) */
const HEADER_PEEK = 64 * 1024;
const MAX_COMPRESSED = 2 ** 31 - 1;

export interface IdxFileHeader extends IdxHeader {
  readonly gzip: boolean;
}

/** The header of an IDX file, reading only its first bytes. */
export function readIdxHeader(path: string): IdxFileHeader {
  const fd = openDataFile(path);
  try {
    const head = new Uint8Array(HEADER_PEEK);
    const got = readSync(fd, head, 0, HEADER_PEEK, 0);
    const bytes = head.subarray(0, got);
    if (!isGzip(bytes)) return { ...parseIdxHeader(bytes, path), gzip: false };
    // a prefix of the stream inflates as far as it goes with a sync flush
    const out = inflate(path, bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    return { ...parseIdxHeader(out, `${path} (gzip'd)`), gzip: true };
  } finally {
    closeSync(fd);
  }
}

/** A whole IDX file: header checked, data length checked against the dims. */
export function readIdxFile(path: string): IdxArray {
  const fd = openDataFile(path);
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, HEADER_PEEK));
    readSync(fd, head, 0, head.length, 0);
    if (isGzip(head)) {
      if (size > MAX_COMPRESSED) throw new DataError(`${path}: ${size} bytes of gzip'd data is more than the 2 GiB Plexus reads in one piece; store the file uncompressed`);
      const h = parseIdxHeader(inflate(path, head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }), `${path} (gzip'd)`);
      const want = h.headerLength + h.dataLength;
      if (want > bufferConstants.MAX_LENGTH) throw new DataError(`${path}: dims [${h.dims.join(', ')}] declare ${h.dataLength} bytes, more than one buffer can hold; split the data`);
      // one byte more than declared, so trailing bytes are caught rather than cut off
      const all = inflate(path, readFileSync(fd), { maxOutputLength: Math.min(want + 1, bufferConstants.MAX_LENGTH) });
      if (all.length !== want) throw sizeMismatch(`${path} (gzip'd)`, h, all.length - h.headerLength);
      return { dims: h.dims, data: new Uint8Array(all.buffer, all.byteOffset + h.headerLength, h.dataLength) };
    }
    const h = parseIdxHeader(head, path);
    if (size - h.headerLength !== h.dataLength) throw sizeMismatch(path, h, size - h.headerLength);
    const data = new Uint8Array(h.dataLength);
    for (let at = 0; at < data.length; ) {
      const n = readSync(fd, data, at, Math.min(CHUNK, data.length - at), h.headerLength + at);
      if (n === 0) throw sizeMismatch(path, h, at);
      at += n;
    }
    return { dims: h.dims, data };
  } finally {
    closeSync(fd);
  }
}

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** An open descriptor of a regular file, or a DataError naming it. */
export function openDataFile(path: string, what = 'an IDX file'): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`${path}: file not found; check the path (relative paths are relative to the config file)`);
    throw new DataError(`${path}: cannot read: ${(e as Error).message}`);
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new DataError(`${path}: not a regular file; name ${what}`);
  }
  return fd;
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
