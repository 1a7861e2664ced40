import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/rng.js';
import { createSharedWasmMemory, instantiateExchange, mixRowsSimd } from '../../src/wasm/index.js';
import { createMixing } from '../../src/topology/mixing/index.js';
import { createTopology } from '../../src/topology/index.js';
import { mixRows } from '../../src/topology/mix-rows.js';

describe('SIMD exchange kernels', () => {
  const peers = 23;
  const dim = 1031; // not a multiple of 4 or 16: exercises the scalar tails
  const memory = createSharedWasmMemory(3 * peers * dim * 4 + 4096)!;
  const k = instantiateExchange(memory);
  const buf = memory.buffer as unknown as SharedArrayBuffer;
  const src = new Float32Array(buf, 0, peers * dim);
  const dst = new Float32Array(buf, peers * dim * 4, peers * dim);
  const rng = createRng(5, 'simd-test');
  for (let i = 0; i < src.length; i++) src[i] = rng.normal();

  it('is available here, on a shared buffer', () => {
    expect(memory).toBeDefined();
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  for (const spec of [{ kind: 'ring', k: 2 }, { kind: 'complete' }, { kind: 'erdos-renyi', p: 0.4 }, { kind: 'star' }] as const) {
    it(`mixes like the plain kernel on ${spec.kind} (rows of up to ${spec.kind === 'ring' ? 5 : 'many'} entries)`, () => {
      const w = createMixing(createTopology(spec, peers, createRng(1, 't')), 'metropolis');
      const ref = new Float32Array(peers * dim);
      mixRows(w, src, ref, dim, 0, peers);
      mixRowsSimd(k, w, src, dst, dim, 0, peers);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(dst[i] - ref[i])).toBeLessThan(1e-5);
      // split into two calls: bit-identical
      const whole = dst.slice();
      dst.fill(0);
      mixRowsSimd(k, w, src, dst, dim, 0, 9);
      mixRowsSimd(k, w, src, dst, dim, 9, peers);
      expect(Buffer.from(dst.slice().buffer).equals(Buffer.from(whole.buffer))).toBe(true);
    });
  }

  it('computes column means and the total squared deviation', () => {
    const meanAt = 2 * peers * dim * 4;
    const resAt = meanAt + 8192;
    const len = dim & ~15;
    k.colStats(0, peers, dim * 4, len * 4, 1 / peers, meanAt, resAt);
    const mean = new Float32Array(buf, meanAt, len);
    const res = new Float32Array(buf, resAt, 4);
    let total = 0;
    for (let c = 0; c < len; c++) {
      let m = 0;
      for (let i = 0; i < peers; i++) m += src[i * dim + c];
      m /= peers;
      expect(mean[c]).toBeCloseTo(m, 5);
      for (let i = 0; i < peers; i++) total += (src[i * dim + c] - m) ** 2;
    }
    expect((res[0] + res[1] + res[2] + res[3]) / total).toBeCloseTo(1, 5);
  });
});

describe('the engine without SIMD exchange', () => {
  it('gives the same run as with it, up to float rounding', async () => {
    const { runRecorded, smallConfig } = await import('../engine/helpers.js');
    const config = smallConfig({ rounds: 15, topology: { kind: 'ring', k: 2 }, model: { kind: 'mlp', hidden: [12] } });
    const simd = await runRecorded(config, { workers: 0 });
    const plain = await runRecorded(config, { workers: 0, simdExchange: false });
    expect(simd.engine.world.state.memory).toBeDefined();
    expect(plain.engine.world.state.memory).toBeUndefined();
    for (let r = 0; r < simd.rounds.length; r++) {
      const a = simd.rounds[r].consensusDistance;
      const b = plain.rounds[r].consensusDistance;
      expect(Math.abs(a - b) / b).toBeLessThan(1e-3);
    }
    expect(Math.abs(simd.summary.finalMeanAccuracy - plain.summary.finalMeanAccuracy)).toBeLessThan(0.02);
  });
});
