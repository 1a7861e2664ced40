// Parser for the IDX format that MNIST ships in (http://yann.lecun.com/exdb/mnist/):
// magic [0, 0, type, ndims], then ndims big-endian uint32 sizes, then the raw data.

import { DataError } from '../errors.js';

/** The only element type we need: MNIST pixels and labels are unsigned bytes. */
const TYPE_UBYTE = 0x08;

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

export interface IdxArray {
  readonly dims: number[];
  /** A view into the input buffer (no copy), row-major. */
  readonly data: Uint8Array;
}

export interface IdxHeader {
  readonly dims: number[];
  /** bytes before the data: 4 + 4 x dims */
  readonly headerLength: number;
  /** data bytes the dims declare (their product) */
  readonly dataLength: number;
}

/**
 * Reads an unsigned-byte IDX header from the start of `buf` (which may hold only the first bytes
 * of a file). `where` names the source in errors (a file path, or 'parseIdx').
 */
export function parseIdxHeader(buf: Uint8Array, where = 'parseIdx'): IdxHeader {
  if (buf.length < 4) throw new DataError(`${where}: ${buf.length === 0 ? 'empty' : `${buf.length} bytes, too short for an IDX header (4 bytes)`}; expected an IDX file`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new DataError(
      `${where}: bad magic number (first two bytes are 0x${hex(buf[0])} 0x${hex(buf[1])}, expected 0x00 0x00); ` +
        'is this an IDX file, and is it uncompressed (not .gz)?',
    );
  }
  const type = buf[2];
  if (type !== TYPE_UBYTE) {
    const name = TYPE_NAMES[type] ?? 'unknown';
    throw new DataError(`${where}: element type 0x${hex(type)} (${name}) is not supported; only 0x08 (unsigned byte) is`);
  }
  const ndims = buf[3];
  if (ndims === 0) throw new DataError(`${where}: the header declares 0 dimensions; expected at least 1`);
  const headerLength = 4 + 4 * ndims;
  if (buf.length < headerLength) {
    throw new DataError(`${where}: ${buf.length} bytes end inside the header (${ndims} dims need ${headerLength} bytes)`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  let dataLength = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    dataLength *= d;
  }
  return { dims, headerLength, dataLength };
}

/** The error for a data section whose length does not match the dims. */
export function sizeMismatch(where: string, h: IdxHeader, actual: number): DataError {
  return new DataError(
    `${where}: dims [${h.dims.join(', ')}] need ${h.dataLength} data bytes but the ${where === 'parseIdx' ? 'buffer' : 'file'} holds ${actual} ` +
      `(${actual < h.dataLength ? 'truncated file' : 'trailing bytes'})`,
  );
}

/** Parses an unsigned-byte IDX buffer; throws DataError on a bad header or a length that does not match the dims. */
export function parseIdx(buf: Uint8Array, where = 'parseIdx'): IdxArray {
  const h = parseIdxHeader(buf, where);
  const dataLen = buf.length - h.headerLength;
  if (dataLen !== h.dataLength) throw sizeMismatch(where, h, dataLen);
  // A plain Uint8Array view rather than buf.subarray(): if buf is a Node Buffer, subarray would return a Buffer.
  return { dims: h.dims, data: new Uint8Array(buf.buffer, buf.byteOffset + h.headerLength, h.dataLength) };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
