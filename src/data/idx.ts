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

/** Parses an unsigned-byte IDX buffer; throws DataError on a bad header or a length that does not match the dims. */
export function parseIdx(buf: Uint8Array): IdxArray {
  if (buf.length < 4) throw new DataError(`parseIdx: buffer of ${buf.length} bytes is too short for an IDX header (4 bytes)`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new DataError(
      `parseIdx: bad magic number (first two bytes are 0x${hex(buf[0])} 0x${hex(buf[1])}, expected 0x00 0x00); ` +
        'is this an IDX file, and is it uncompressed (not .gz)?',
    );
  }
  const type = buf[2];
  if (type !== TYPE_UBYTE) {
    const name = TYPE_NAMES[type] ?? 'unknown';
    throw new DataError(`parseIdx: element type 0x${hex(type)} (${name}) is not supported; only 0x08 (unsigned byte) is`);
  }
  const ndims = buf[3];
  if (ndims === 0) throw new DataError('parseIdx: the header declares 0 dimensions; expected at least 1');
  const headerLen = 4 + 4 * ndims;
  if (buf.length < headerLen) {
    throw new DataError(`parseIdx: buffer of ${buf.length} bytes ends inside the header (${ndims} dims need ${headerLen} bytes)`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const dataLen = buf.length - headerLen;
  if (dataLen !== size) {
    throw new DataError(
      `parseIdx: dims [${dims.join(', ')}] need ${size} data bytes but the buffer holds ${dataLen} ` +
        `(${dataLen < size ? 'truncated file' : 'trailing bytes'})`,
    );
  }
  // A plain Uint8Array view rather than buf.subarray(): if buf is a Node Buffer, subarray would return a Buffer.
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerLen, size) };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
