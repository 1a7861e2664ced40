// Every compressor's wire form: encode gives compress's output and bytes(dim) bytes, from which
// decode rebuilds that output bit for bit (what a live CHOCO-SGD peer sends its neighbours).
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/rng.js';
import { compressionOperators, createCompressor, type CompressionSpec } from '../../src/protocol/compression/index.js';

const dim = 1000;
const scratch = () => ({ f32: new Float32Array(dim), mark: new Uint8Array(dim) });
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

const vectors: [string, Float32Array][] = [
  ['a normal vector', (() => { const r = createRng(3, 'v'); return Float32Array.from({ length: dim }, () => r.normal()); })()],
  ['a sparse vector with negative zeros', Float32Array.from({ length: dim }, (_, i) => (i % 7 === 0 ? (i % 2 ? -1 : 2) * i : i % 3 ? -0 : 0))],
  ['the zero vector', new Float32Array(dim)],
];

const specs: CompressionSpec[] = [
  { kind: 'none' }, { kind: 'top-k', fraction: 0.01 }, { kind: 'top-k', fraction: 0.5 }, { kind: 'top-k', fraction: 1 },
  { kind: 'random-k', fraction: 0.05 }, { kind: 'random-k', fraction: 0.8 }, { kind: 'random-k', fraction: 1 },
  { kind: 'qsgd', levels: 1 }, { kind: 'qsgd', levels: 16 }, { kind: 'qsgd', levels: 255 },
];

describe('the wire form of a compressed vector', () => {
  it('is tested for every compression operator', () => {
    expect(new Set(specs.map((s) => s.kind))).toEqual(new Set(compressionOperators.map((o) => o.kind)));
  });

  for (const spec of specs) {
    for (const [name, v] of vectors) {
      it(`${JSON.stringify(spec)} on ${name}: bytes(dim) bytes that decode to compress's output`, () => {
        const c = createCompressor(spec);
        const rng = () => createRng(9, 'compress', 4, 2);
        const want = new Float32Array(dim);
        c.compress(v, want, rng, scratch());
        const out = new Float32Array(dim);
        const payload = c.encode(v, out, rng, scratch());
        expect(bits(out)).toBe(bits(want));
        expect(payload.byteLength).toBe(c.bytes(dim));
        const back = new Float32Array(dim).fill(7);
        c.decode(payload, back, rng, scratch());
        expect(bits(back)).toBe(bits(want));
      });
    }
  }

  it('refuses a payload of the wrong length, and random-k one drawn from another stream', () => {
    const c = createCompressor({ kind: 'random-k', fraction: 0.1 });
    const payload = c.encode(vectors[0][1], new Float32Array(dim), () => createRng(1, 'a'), scratch());
    expect(() => c.decode(payload, new Float32Array(dim), () => createRng(1, 'b'), scratch())).toThrow(/another stream/);
    expect(() => createCompressor({ kind: 'top-k', fraction: 0.1 }).decode(payload, new Float32Array(dim), () => createRng(1, 'a'), scratch())).toThrow(/bytes where 800 were due/);
  });
});
