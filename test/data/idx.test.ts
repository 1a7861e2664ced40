import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { parseIdx } from '../../src/data/idx.js';

/** Builds an IDX buffer by hand: [0, 0, type, ndims], big-endian dims, then the data bytes. */
function idx(dims: number[], data: number[], type = 0x08): Uint8Array {
  const buf = new Uint8Array(4 + 4 * dims.length + data.length);
  buf.set([0, 0, type, dims.length]);
  const view = new DataView(buf.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  buf.set(data, 4 + 4 * dims.length);
  return buf;
}

describe('parseIdx', () => {
  it('reads a 1-D label file', () => {
    const { dims, data } = parseIdx(idx([5], [5, 0, 4, 1, 9]));
    expect(dims).toEqual([5]);
    expect(Array.from(data)).toEqual([5, 0, 4, 1, 9]);
  });

  it('reads a 3-D image file in row-major order', () => {
    const pixels = Array.from({ length: 2 * 2 * 3 }, (_, i) => i * 20);
    const { dims, data } = parseIdx(idx([2, 2, 3], pixels));
    expect(dims).toEqual([2, 2, 3]);
    expect(Array.from(data)).toEqual(pixels);
  });

  it('reads dims larger than one byte as big-endian', () => {
    const { dims, data } = parseIdx(idx([300], new Array(300).fill(7)));
    expect(dims).toEqual([300]);
    expect(data.length).toBe(300);
  });

  it('returns a view on the input rather than a copy', () => {
    const buf = idx([3], [1, 2, 3]);
    const { data } = parseIdx(buf);
    expect(data.buffer).toBe(buf.buffer);
    buf[buf.length - 1] = 42;
    expect(data[2]).toBe(42);
  });

  it('honours the byte offset of an input that is itself a view', () => {
    const inner = idx([2], [8, 9]);
    const outer = new Uint8Array(inner.length + 5);
    outer.set(inner, 5);
    expect(Array.from(parseIdx(outer.subarray(5)).data)).toEqual([8, 9]);
  });

  it('rejects a bad magic number', () => {
    const buf = idx([2], [1, 2]);
    buf[0] = 0x1f; // what a gzipped file starts with
    expect(() => parseIdx(buf)).toThrow(DataError);
    expect(() => parseIdx(buf)).toThrow(/magic/);
  });

  it('rejects element types other than unsigned byte and says which one is supported', () => {
    const buf = idx([2], [0, 0, 0, 0, 0, 0, 0, 0], 0x0d);
    expect(() => parseIdx(buf)).toThrow(DataError);
    expect(() => parseIdx(buf)).toThrow(/0x0d \(float32\).*only 0x08 \(unsigned byte\)/);
  });

  it('rejects data shorter than the dims declare', () => {
    const buf = idx([2, 3], [1, 2, 3, 4, 5, 6]).subarray(0, -1);
    expect(() => parseIdx(buf)).toThrow(DataError);
    expect(() => parseIdx(buf)).toThrow(/need 6 data bytes but the buffer holds 5 \(truncated/);
  });

  it('rejects trailing bytes after the data', () => {
    const full = idx([2], [1, 2, 3]);
    expect(() => parseIdx(full)).toThrow(/trailing bytes/);
  });

  it('rejects a buffer that ends inside the header', () => {
    expect(() => parseIdx(new Uint8Array([0, 0]))).toThrow(DataError);
    expect(() => parseIdx(idx([2, 2], [1, 2, 3, 4]).subarray(0, 9))).toThrow(/inside the header/);
  });
});
