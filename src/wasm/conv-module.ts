// The loops a convolutional layer adds to the dense module's: patch extraction (im2col, so the
// convolution itself runs as the dense module's sparse matrix product), a bias broadcast, and a
// list of scaled row additions, which the backward pass uses for both the filter gradient and
// the input gradient, visiting only the conv outputs a max-pool let a gradient through.
// Pointers are byte addresses, sizes element counts (floats).

import { Code, ValType, assembleModule } from './asm.js';

const { I32, F32, V128 } = { I32: ValType.I32, F32: ValType.F32, V128: ValType.V128 };

export interface ConvExports {
  /**
   * Patches of a valid k x k convolution, stride 1, over `batch` HWC images of width w and c
   * channels (`image` floats apart): row (b, oy, ox) of out holds x[b, oy + dy, ox + dx, ci] in
   * (dy, dx, ci) order, k * k * c floats, rows in (b, oy, ox) order.
   */
  im2col(x: number, batch: number, image: number, w: number, c: number, k: number, outH: number, outW: number, out: number): void;
  /** out[r, 0..n) = b[0..n) for r < rows */
  bcast(b: number, n: number, out: number, rows: number): void;
  /**
   * Max-pooling of a conv output [rows, outH, outW, np] (np = filters padded to whole vectors) by
   * `pool`, four filters at a time: out[o] = max over the window (ReLU'd when relu != 0) and
   * argmax[o] = the first window position (row, oy, ox) flattened holding it, o over (row, py,
   * px, f < filters). Writes up to 3 floats past each buffer's end.
   */
  pool(conv: number, rows: number, outH: number, outW: number, np: number, pool: number, poolH: number, poolW: number, filters: number, out: number, argmax: number, relu: number): void;
  /**
   * out[r, 0..n) += sum over kk of a[r, kk] * w[kk, 0..n) for r < rows (a: rows x k, w: k x n),
   * dense, several rows at a time (eight accumulators) so each weight vector loaded serves them
   * all: gemm4 (n = 4, 8 rows), gemm8 (n = 8, 4 rows), gemm16 (n = 16, 2 rows).
   */
  gemm4(a: number, rows: number, k: number, w: number, out: number): void;
  gemm8(a: number, rows: number, k: number, w: number, out: number): void;
  gemm16(a: number, rows: number, k: number, w: number, out: number): void;
  /**
   * Per filter f < filters, the (byte offset argmax[o] * patchBytes, g) pairs of the pooled
   * gradients g = grad[o] of f, o over (pixel < pixels, f), into f's run at lists + f * runBytes;
   * counts[f] (i32) says how many are non-zero (every pair is written, only non-zeros advance: no
   * branch), and sums[f] gets the sum of f's gradients (the bias gradient).
   */
  filterLists(grad: number, argmax: number, pixels: number, filters: number, patchBytes: number, lists: number, runBytes: number, counts: number, sums: number): void;
  /**
   * Triples for axpys adding g * (kernel row dy of filter f, from the transposed kernel wT) into the
   * block's input gradient dIn at each picked position (img, oy, ox) = argmax[o], one per kernel row
   * dy, for every non-zero pooled gradient g = grad[o], o over (pixel < pixels, f < filters): the
   * scatter of the patches' gradient (col2im). Written branch-free; returns how many triples.
   */
  inputLists(grad: number, argmax: number, pixels: number, filters: number, perImage: number, outW: number, inH: number, inW: number, inC: number, k: number, wT: number, dIn: number, triples: number): number;
  /** for each of `count` triples (dst byte address i32, src byte address i32, v f32) at list: dst[i] += v * src[i], i < len */
  axpys(list: number, count: number, len: number): void;
}

/** dst[0..len) (+)= v * src[0..len) or a copy, in vectors then scalars; leaves dst and src advanced. */
function emitRun(c: Code, dst: number, src: number, len: number, v: number | undefined, vv: number, i: number, end: number): void {
  c.get(len).i32(-4).and().i32(2).shl().get(dst).add().set(end);
  c.whileLt(dst, end, 16, () => {
    c.get(dst);
    if (v === undefined) c.get(src).v128Load();
    else c.get(dst).v128Load().get(vv).get(src).v128Load().f32x4Mul().f32x4Add();
    c.v128Store();
    c.get(src).i32(16).add().set(src);
  });
  c.get(len).i32(3).and().set(i);
  c.repeat(i, () => {
    c.get(dst);
    if (v === undefined) c.get(src).f32Load();
    else c.get(dst).f32Load().get(v).get(src).f32Load().f32Mul().f32Add();
    c.f32Store();
    c.get(src).i32(4).add().set(src);
    c.get(dst).i32(4).add().set(dst);
  });
}

function buildIm2col(): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [x, batch, image, w, ch, k, outH, outW, out] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const run = c.local(I32), rowBytes = c.local(I32), img = c.local(I32), oy = c.local(I32), ox = c.local(I32), dy = c.local(I32);
  const src = c.local(I32), rowStart = c.local(I32), i = c.local(I32), end = c.local(I32), vv = c.local(V128), nb = c.local(I32);
  const oyBase = c.local(I32), pix = c.local(I32), o = c.local(I32), lastOff = c.local(I32), runBytes = c.local(I32);
  c.get(k).get(ch).mul().set(run);
  c.get(run).i32(2).shl().tee(runBytes).i32(16).sub().set(lastOff);
  c.get(w).get(ch).mul().i32(2).shl().set(rowBytes);
  c.get(ch).i32(2).shl().set(pix);
  /** the loops over images, output rows and columns and kernel rows, copying each kernel row's run with `copy` */
  const nest = (copy: () => void) => {
    c.get(x).set(img);
    c.get(batch).set(nb);
    c.repeat(nb, () => {
      c.get(img).set(oyBase);
      c.get(outH).set(oy);
      c.repeat(oy, () => {
        c.get(oyBase).set(rowStart);
        c.get(outW).set(ox);
        c.repeat(ox, () => {
          c.get(rowStart).set(src);
          c.get(k).set(dy);
          c.repeat(dy, copy);
          c.get(rowStart).get(pix).add().set(rowStart);
        });
        c.get(oyBase).get(rowBytes).add().set(oyBase);
      });
      c.get(img).get(image).i32(2).shl().add().set(img);
    });
  };
  // runs of 4 floats or more: whole vectors, the last one overlapping the one before (no scalar tail)
  c.get(run).i32(4).geU().if();
  nest(() => {
    c.i32(0).set(o);
    c.whileLt(o, lastOff, 16, () => {
      c.get(out).get(o).add().get(src).get(o).add().v128Load().v128Store();
    });
    c.get(out).get(lastOff).add().get(src).get(lastOff).add().v128Load().v128Store();
    c.get(out).get(runBytes).add().set(out);
    c.get(src).get(rowBytes).add().set(src);
  });
  c.else();
  nest(() => {
    emitRun(c, out, src, run, undefined, vv, i, end);
    // src moved by run floats: on to the same column one image row down
    c.get(src).get(runBytes).sub().get(rowBytes).add().set(src);
  });
  c.end();
  return c;
}

function buildBcast(): Code {
  const c = new Code([I32, I32, I32, I32]);
  const [b, n, out, rows] = [0, 1, 2, 3];
  const src = c.local(I32), i = c.local(I32), end = c.local(I32), vv = c.local(V128);
  c.repeat(rows, () => {
    c.get(b).set(src);
    emitRun(c, out, src, n, undefined, vv, i, end);
  });
  return c;
}

function buildAxpys(): Code {
  const c = new Code([I32, I32, I32]);
  const [list, count, len] = [0, 1, 2];
  const dst = c.local(I32), src = c.local(I32), v = c.local(F32), vv = c.local(V128), i = c.local(I32), end = c.local(I32);
  c.repeat(count, () => {
    c.get(list).i32Load().set(dst);
    c.get(list).i32Load(4).set(src);
    c.get(list).f32Load(8).tee(v).f32x4Splat().set(vv);
    emitRun(c, dst, src, len, v, vv, i, end);
    c.get(list).i32(12).add().set(list);
  });
  return c;
}

function buildFilterLists(): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [grad, argmax, pixels, filters, patchBytes, lists, runBytes, counts, sums] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const f = c.local(I32), cnt = c.local(I32), at = c.local(I32), g = c.local(F32), fb = c.local(I32), fEnd = c.local(I32), run = c.local(I32);
  c.get(filters).i32(2).shl().set(fEnd);
  c.i32(0).set(f);
  c.whileLt(f, fEnd, 4, () => {
    c.get(counts).get(f).add().i32(0).i32Store();
    c.get(sums).get(f).add().f32(0).f32Store();
  });
  c.repeat(pixels, () => {
    c.i32(0).set(fb);
    c.get(lists).set(run);
    c.whileLt(fb, fEnd, 4, () => {
      c.get(grad).f32Load().set(g);
      c.get(counts).get(fb).add().i32Load().set(cnt);
      c.get(run).get(cnt).i32(3).shl().add().set(at);
      c.get(at).get(argmax).i32Load().get(patchBytes).mul().i32Store();
      c.get(at).get(g).f32Store(4);
      c.get(counts).get(fb).add().get(cnt).get(g).f32(0).f32Ne().add().i32Store();
      c.get(sums).get(fb).add().get(sums).get(fb).add().f32Load().get(g).f32Add().f32Store();
      c.get(grad).i32(4).add().set(grad);
      c.get(argmax).i32(4).add().set(argmax);
      c.get(run).get(runBytes).add().set(run);
    });
  });
  return c;
}

function buildInputLists(): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32], [I32]);
  const [grad, argmax, pixels, filters, perImage, outW, inH, inW, inC, k, wT, dIn, triples] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const n = c.local(I32), g = c.local(F32), pos = c.local(I32), img = c.local(I32), rem = c.local(I32), oy = c.local(I32), ox = c.local(I32);
  const dst = c.local(I32), src = c.local(I32), f = c.local(I32), t = c.local(I32), dy = c.local(I32), rowBytes = c.local(I32), runBytes = c.local(I32);
  const patchBytes = c.local(I32), start = c.local(I32);
  c.get(inW).get(inC).mul().i32(2).shl().set(rowBytes);
  c.get(k).get(inC).mul().i32(2).shl().set(runBytes);
  c.get(runBytes).get(k).mul().set(patchBytes);
  c.get(triples).set(t);
  c.get(t).set(start);
  c.get(pixels).get(filters).mul().set(n);
  c.i32(0).set(f);
  c.repeat(n, () => {
    c.get(grad).f32Load().set(g);
    c.get(argmax).i32Load().set(pos);
    c.get(pos).get(perImage).divU().set(img);
    c.get(pos).get(img).get(perImage).mul().sub().set(rem);
    c.get(rem).get(outW).divU().set(oy);
    c.get(rem).get(oy).get(outW).mul().sub().set(ox);
    // dst = dIn + ((img * inH + oy) * inW + ox) * inC * 4
    c.get(dIn).get(img).get(inH).mul().get(oy).add().get(rowBytes).mul().add().get(ox).get(inC).mul().i32(2).shl().add().set(dst);
    c.get(wT).get(f).get(patchBytes).mul().add().set(src);
    c.get(k).set(dy);
    c.repeat(dy, () => {
      c.get(t).get(dst).i32Store();
      c.get(t).get(src).i32Store(4);
      c.get(t).get(g).f32Store(8);
      // advance past this triple only when g != 0 (12 bytes or none)
      c.get(t).get(g).f32(0).f32Ne().i32(12).mul().add().set(t);
      c.get(dst).get(rowBytes).add().set(dst);
      c.get(src).get(runBytes).add().set(src);
    });
    c.get(grad).i32(4).add().set(grad);
    c.get(argmax).i32(4).add().set(argmax);
    c.get(f).i32(1).add().tee(f).get(filters).eq().if();
    c.i32(0).set(f);
    c.end();
  });
  c.get(t).get(start).sub().i32(12).divU();
  return c;
}

/** Rows at a time for a gemm of n = 4 * vectors outputs: eight accumulators. */
export const GEMM_VECTORS = [1, 2, 4] as const;

function buildGemm(vectors: number): Code {
  const c = new Code([I32, I32, I32, I32, I32]);
  const [a, rows, k, w, out] = [0, 1, 2, 3, 4];
  const R = Math.max(1, 8 / vectors);
  const rowBytes = c.local(I32), outBytes = c.local(I32), blocks = c.local(I32), tail = c.local(I32), kk = c.local(I32);
  const pw = c.local(I32), pa = c.local(I32), s = c.local(V128);
  const acc = Array.from({ length: R * vectors }, () => c.local(V128));
  const wv = Array.from({ length: vectors }, () => c.local(V128));
  c.get(k).i32(2).shl().set(rowBytes);
  c.i32(16 * vectors).set(outBytes);
  const emit = (rowsAtOnce: number, count: number) => {
    c.repeat(count, () => {
      for (let i = 0; i < rowsAtOnce; i++) for (let v = 0; v < vectors; v++) c.get(out).v128Load(16 * (i * vectors + v)).set(acc[i * vectors + v]);
      c.get(w).set(pw);
      c.get(a).set(pa);
      c.get(k).set(kk);
      c.repeat(kk, () => {
        for (let v = 0; v < vectors; v++) c.get(pw).v128Load(16 * v).set(wv[v]);
        for (let i = 0; i < rowsAtOnce; i++) {
          c.get(pa);
          if (i > 0) c.get(rowBytes).i32(i).mul().add();
          c.f32Load().f32x4Splat().set(s);
          for (let v = 0; v < vectors; v++) c.get(acc[i * vectors + v]).get(s).get(wv[v]).f32x4Mul().f32x4Add().set(acc[i * vectors + v]);
        }
        c.get(pa).i32(4).add().set(pa);
        c.get(pw).get(outBytes).add().set(pw);
      });
      for (let i = 0; i < rowsAtOnce; i++) for (let v = 0; v < vectors; v++) c.get(out).get(acc[i * vectors + v]).v128Store(16 * (i * vectors + v));
      c.get(a).get(rowBytes).i32(rowsAtOnce).mul().add().set(a);
      c.get(out).get(outBytes).i32(rowsAtOnce).mul().add().set(out);
    });
  };
  c.get(rows).i32(R - 1).and().set(tail);
  c.get(rows).i32(-R).and().i32(Math.log2(R)).shrU().set(blocks);
  emit(R, blocks);
  emit(1, tail);
  return c;
}

function buildPool(): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [conv, rows, outH, outW, np, pool, poolH, poolW, filters, out, argmax, relu] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const r = c.local(I32), py = c.local(I32), px = c.local(I32), first = c.local(I32), g = c.local(I32), dy = c.local(I32), dx = c.local(I32);
  const pos = c.local(I32), rowPos = c.local(I32), o = c.local(I32), best = c.local(V128), idx = c.local(V128), v = c.local(V128), m = c.local(V128);
  const zero = c.local(V128), addr = c.local(I32);
  c.f32(0).f32x4Splat().set(zero);
  c.i32(0).set(o);
  c.i32(0).set(r);
  c.whileLt(r, rows, 1, () => {
    c.i32(0).set(py);
    c.whileLt(py, poolH, 1, () => {
      c.i32(0).set(px);
      c.whileLt(px, poolW, 1, () => {
        // first = (r * outH + py * pool) * outW + px * pool
        c.get(r).get(outH).mul().get(py).get(pool).mul().add().get(outW).mul().get(px).get(pool).mul().add().set(first);
        c.i32(0).set(g);
        c.whileLt(g, filters, 4, () => {
          c.get(conv).get(first).get(np).mul().get(g).add().i32(2).shl().add().v128Load().set(best);
          c.get(first).i32x4Splat().set(idx);
          c.i32(0).set(dy);
          c.whileLt(dy, pool, 1, () => {
            c.get(first).get(dy).get(outW).mul().add().set(rowPos);
            c.i32(0).set(dx);
            c.whileLt(dx, pool, 1, () => {
              c.get(rowPos).get(dx).add().set(pos);
              c.get(conv).get(pos).get(np).mul().get(g).add().i32(2).shl().add().v128Load().set(v);
              c.get(v).get(best).f32x4Gt().set(m);
              c.get(v).get(best).get(m).v128Bitselect().set(best);
              c.get(pos).i32x4Splat().get(idx).get(m).v128Bitselect().set(idx);
            });
          });
          c.get(relu).if();
          c.get(best).get(zero).f32x4Max().set(best);
          c.end();
          c.get(o).get(g).add().i32(2).shl().set(addr);
          c.get(out).get(addr).add().get(best).v128Store();
          c.get(argmax).get(addr).add().get(idx).v128Store();
        });
        c.get(o).get(filters).add().set(o);
      });
    });
  });
  return c;
}

/** The module's bytes, importing `env.memory` (not shared). Compiled in modules.ts. */
export function convModuleBytes(): Uint8Array<ArrayBuffer> {
  return assembleModule(
    [
      { name: 'im2col', code: buildIm2col() },
      { name: 'bcast', code: buildBcast() },
      { name: 'axpys', code: buildAxpys() },
      { name: 'pool', code: buildPool() },
      { name: 'filterLists', code: buildFilterLists() },
      { name: 'inputLists', code: buildInputLists() },
      { name: 'gemm4', code: buildGemm(1) },
      { name: 'gemm8', code: buildGemm(2) },
      { name: 'gemm16', code: buildGemm(4) },
    ],
    1,
  );
}
