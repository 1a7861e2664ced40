import { describe, expect, it } from 'vitest';
import { TransportError } from '../../src/live/transport/errors.js';
import { controlFrame, decodeFrame, encodeFrame, encodeFrameInto, framePayloadFloat32, readControl, readHello } from '../../src/live/transport/frame.js';
import { PrefixedReader } from '../../src/live/transport/prefixed-reader.js';
import { FRAME_HEADER_BYTES, FRAME_KINDS, type Frame } from '../../src/live/transport/types.js';

function bytes(n: number, salt = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + salt) & 255;
  return b;
}

describe('frame', () => {
  it('round-trips every header field and the payload, for odd, empty and big payloads', () => {
    for (const n of [0, 1, 3, 7, 4097, 5 * 2 ** 20 + 3]) {
      const f: Frame = { round: 0xfffffffe, sender: -1, receiver: 2 ** 31 - 1, kind: FRAME_KINDS.reduce, payload: bytes(n, n) };
      const enc = encodeFrame(f);
      expect(enc.byteLength).toBe(FRAME_HEADER_BYTES + n);
      const dec = decodeFrame(enc);
      expect({ ...dec, payload: undefined }).toEqual({ ...f, payload: undefined });
      expect(Buffer.from(dec.payload).equals(Buffer.from(f.payload))).toBe(true);
    }
  });

  it('lays the header out as round u32, sender i32, receiver i32, kind u8 and three zero bytes, little-endian', () => {
    const enc = encodeFrame({ round: 0x01020304, sender: -2, receiver: 5, kind: FRAME_KINDS.rows, payload: new Uint8Array([9]) });
    expect([...enc]).toEqual([4, 3, 2, 1, 0xfe, 0xff, 0xff, 0xff, 5, 0, 0, 0, 1, 0, 0, 0, 9]);
  });

  it('decodes without copying: the payload is a view of the input, at any offset', () => {
    const f: Frame = { round: 7, sender: 3, receiver: 4, kind: FRAME_KINDS.rows, payload: bytes(12) };
    const big = new Uint8Array(5 + FRAME_HEADER_BYTES + 12);
    encodeFrameInto(f, big, 5);
    const dec = decodeFrame(big.subarray(5));
    expect(dec.payload.buffer).toBe(big.buffer);
    expect(dec.payload.byteOffset).toBe(5 + FRAME_HEADER_BYTES);
    expect(dec.round).toBe(7);
  });

  it('reads float32 rows as a view when aligned and as a copy when not', () => {
    const rows = new Float32Array([1.5, -2, 3.25]);
    const f: Frame = { round: 0, sender: 0, receiver: 1, kind: FRAME_KINDS.rows, payload: new Uint8Array(rows.buffer) };
    const aligned = decodeFrame(encodeFrame(f));
    const a = framePayloadFloat32(aligned);
    expect([...a]).toEqual([1.5, -2, 3.25]);
    expect(a.buffer).toBe(aligned.payload.buffer);
    const odd = new Uint8Array(1 + FRAME_HEADER_BYTES + 12);
    encodeFrameInto(f, odd, 1);
    expect([...framePayloadFloat32(decodeFrame(odd.subarray(1)))]).toEqual([1.5, -2, 3.25]);
  });

  it('refuses short input, unknown kinds and out-of-range header fields with a TransportError', () => {
    expect(() => decodeFrame(new Uint8Array(15))).toThrow(TransportError);
    const enc = encodeFrame({ round: 0, sender: 0, receiver: 0, kind: FRAME_KINDS.eval, payload: new Uint8Array(0) });
    enc[12] = 99;
    expect(() => decodeFrame(enc)).toThrow(/unknown kind 99/);
    expect(() => encodeFrame({ round: -1, sender: 0, receiver: 0, kind: FRAME_KINDS.rows, payload: new Uint8Array(0) })).toThrow(TransportError);
    expect(() => encodeFrame({ round: 0, sender: 2 ** 31, receiver: 0, kind: FRAME_KINDS.rows, payload: new Uint8Array(0) })).toThrow(/sender/);
  });

  it('carries control messages as JSON, the hello among them', () => {
    const f = decodeFrame(encodeFrame(controlFrame({ hello: 3 }, 9)));
    expect(f.kind).toBe(FRAME_KINDS.control);
    expect(f.round).toBe(9);
    expect(readControl(f)).toEqual({ hello: 3 });
    expect(readHello(f)).toBe(3);
    expect(readHello(decodeFrame(encodeFrame(controlFrame({ barrier: 1 }))))).toBeUndefined();
  });
});

describe('length-prefixed reader', () => {
  it('splits messages however the stream cuts them, viewing those inside one chunk', () => {
    const msgs = [bytes(0), bytes(5, 1), bytes(70_000, 2), bytes(3, 3)];
    const wire: number[] = [];
    for (const m of msgs) wire.push(m.length & 255, (m.length >> 8) & 255, (m.length >> 16) & 255, m.length >>> 24, ...m);
    const all = Uint8Array.from(wire);
    for (const cut of [1, 2, 7, 1000, all.length]) {
      const reader = new PrefixedReader(1 << 20, 'u32');
      const got: Uint8Array[] = [];
      for (let i = 0; i < all.length; i += cut) reader.push(all.subarray(i, i + cut), (m) => got.push(m.slice()));
      expect(got.map((g) => Buffer.from(g).toString('hex'))).toEqual(msgs.map((m) => Buffer.from(m).toString('hex')));
    }
    const reader = new PrefixedReader(1 << 20, 'u32');
    let seen: Uint8Array | undefined;
    reader.push(all.subarray(0, 4 + 0 + 4 + 5), (m) => (seen = m));
    expect(seen?.buffer).toBe(all.buffer);
  });

  it('reads the varint prefixes that libp2p writes, across any cut', () => {
    const msgs = [bytes(0), bytes(127, 1), bytes(128, 2), bytes(300_000, 3)];
    const parts: Uint8Array[] = [];
    for (const m of msgs) {
      const prefix: number[] = [];
      let n = m.length;
      while (n >= 0x80) {
        prefix.push((n & 0x7f) | 0x80);
        n = Math.floor(n / 128);
      }
      prefix.push(n);
      parts.push(Uint8Array.from(prefix), m);
    }
    const all = new Uint8Array(Buffer.concat(parts));
    for (const cut of [1, 3, 4096, all.length]) {
      const reader = new PrefixedReader(1 << 20, 'varint');
      const got: string[] = [];
      for (let i = 0; i < all.length; i += cut) reader.push(all.subarray(i, i + cut), (m) => got.push(Buffer.from(m).toString('hex')));
      expect(got).toEqual(msgs.map((m) => Buffer.from(m).toString('hex')));
    }
  });

  it('refuses a message longer than its limit', () => {
    const reader = new PrefixedReader(10, 'u32');
    expect(() => reader.push(Uint8Array.from([11, 0, 0, 0]), () => {})).toThrow(TransportError);
  });
});
