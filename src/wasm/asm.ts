// A tiny WebAssembly assembler: just the opcodes the SIMD kernels need, written as a chain of
// calls. Generating the module here keeps the repo free of a C/wat toolchain and of binaries.

export const enum ValType {
  I32 = 0x7f,
  F32 = 0x7d,
  F64 = 0x7c,
  V128 = 0x7b,
}

function uleb(out: number[], n: number): void {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

function sleb(out: number[], n: number): void {
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/** The parts one after the other, in one byte array (no long arrays spread or copied twice). */
function concat(parts: readonly ArrayLike<number>[]): Uint8Array<ArrayBuffer> {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  out.push(...bytes);
}

/** The body of one function. Locals are numbered after the parameters, in declaration order. */
export class Code {
  readonly bytes: number[] = [];
  readonly locals: ValType[] = [];
  private nextLocal: number;

  constructor(readonly params: readonly ValType[], readonly results: readonly ValType[] = []) {
    this.nextLocal = params.length;
  }

  local(type: ValType): number {
    this.locals.push(type);
    return this.nextLocal++;
  }

  private op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  private simd(sub: number): this {
    this.bytes.push(0xfd);
    uleb(this.bytes, sub);
    return this;
  }
  private mem(align: number, offset: number): this {
    uleb(this.bytes, align);
    uleb(this.bytes, offset);
    return this;
  }

  get(l: number): this { this.bytes.push(0x20); uleb(this.bytes, l); return this; }
  set(l: number): this { this.bytes.push(0x21); uleb(this.bytes, l); return this; }
  tee(l: number): this { this.bytes.push(0x22); uleb(this.bytes, l); return this; }
  i32(n: number): this { this.bytes.push(0x41); sleb(this.bytes, n | 0); return this; }
  f32(x: number): this {
    const b = new Uint8Array(new Float32Array([x]).buffer);
    return this.op(0x43, b[0], b[1], b[2], b[3]);
  }

  // control
  block(): this { return this.op(0x02, 0x40); }
  loop(): this { return this.op(0x03, 0x40); }
  /** `if` with no result, or with one value of `result` left by each arm. */
  if(result?: ValType): this { return this.op(0x04, result ?? 0x40); }
  else(): this { return this.op(0x05); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { return this.op(0x0c, depth); }
  brIf(depth: number): this { return this.op(0x0d, depth); }
  ret(): this { return this.op(0x0f); }

  // i32
  eqz(): this { return this.op(0x45); }
  eq(): this { return this.op(0x46); }
  ne(): this { return this.op(0x47); }
  ltS(): this { return this.op(0x48); }
  ltU(): this { return this.op(0x49); }
  geS(): this { return this.op(0x4e); }
  geU(): this { return this.op(0x4f); }
  add(): this { return this.op(0x6a); }
  sub(): this { return this.op(0x6b); }
  mul(): this { return this.op(0x6c); }
  and(): this { return this.op(0x71); }
  shl(): this { return this.op(0x74); }
  shrU(): this { return this.op(0x76); }
  divU(): this { return this.op(0x6e); }

  i32Load(offset = 0): this { return this.op(0x28).mem(2, offset); }
  i32Store(offset = 0): this { return this.op(0x36).mem(2, offset); }

  // f32
  f32Load(offset = 0): this { return this.op(0x2a).mem(2, offset); }
  f32Store(offset = 0): this { return this.op(0x38).mem(2, offset); }
  f32Ne(): this { return this.op(0x5c); }
  f32Gt(): this { return this.op(0x5e); }
  f32Add(): this { return this.op(0x92); }
  f32Mul(): this { return this.op(0x94); }
  f32Max(): this { return this.op(0x97); }
  f32ConvertI32S(): this { return this.op(0xb2); }

  // f64
  f64Add(): this { return this.op(0xa0); }

  // v128 / f32x4
  v128Load(offset = 0): this { return this.simd(0x00).mem(4, offset); }
  v128Store(offset = 0): this { return this.simd(0x0b).mem(4, offset); }
  /** 8 bytes into both halves of a v128 (the low half is what f64x2PromoteLow reads) */
  v128Load64Splat(offset = 0): this { return this.simd(0x0a).mem(3, offset); }
  f32x4Splat(): this { return this.simd(0x13); }
  f32x4Lane(lane: number): this { return this.simd(0x1f).op(lane); }
  f32x4Sqrt(): this { return this.simd(0xe3); }
  f32x4Add(): this { return this.simd(0xe4); }
  f32x4Sub(): this { return this.simd(0xe5); }
  f32x4Mul(): this { return this.simd(0xe6); }
  f32x4Div(): this { return this.simd(0xe7); }
  f32x4Min(): this { return this.simd(0xe8); }
  f32x4Max(): this { return this.simd(0xe9); }
  /** pmin(a, b) = b < a ? b : a: one instruction (no NaN or signed-zero fix-ups, unlike min) */
  f32x4Pmin(): this { return this.simd(0xea); }
  /** pmax(a, b) = a < b ? b : a */
  f32x4Pmax(): this { return this.simd(0xeb); }
  f64x2PromoteLow(): this { return this.simd(0x5f); }
  f64x2Lane(lane: number): this { return this.simd(0x21).op(lane); }
  f64x2Add(): this { return this.simd(0xf0); }
  f64x2Sub(): this { return this.simd(0xf1); }
  f64x2Mul(): this { return this.simd(0xf2); }
  i32x4Splat(): this { return this.simd(0x11); }
  /** lanes a > b: all ones, else zeros */
  f32x4Gt(): this { return this.simd(0x44); }
  /** bitselect(a, b, mask) = (a & mask) | (b & ~mask) */
  v128Bitselect(): this { return this.simd(0x52); }
  v128And(): this { return this.simd(0x4e); }

  /** `while (get(i) < limit) { body(); i += step }` over i32 locals, unsigned compare. */
  whileLt(i: number, limit: number, step: number, body: () => void): this {
    this.block().loop();
    this.get(i).get(limit).geU().brIf(1);
    body();
    this.get(i).i32(step).add().set(i);
    this.br(0).end().end();
    return this;
  }

  /** Runs body `count` times (a local counting down from its value; body runs at least once if count > 0). */
  repeat(count: number, body: () => void): this {
    this.block();
    this.get(count).eqz().brIf(0);
    this.loop();
    body();
    this.get(count).i32(1).sub().tee(count).brIf(0);
    this.end().end();
    return this;
  }

  encode(): Uint8Array {
    const head: number[] = [];
    // one local entry per declared local keeps the encoder trivial
    uleb(head, this.locals.length);
    for (const t of this.locals) {
      head.push(1, t);
    }
    const size: number[] = [];
    uleb(size, head.length + this.bytes.length + 1);
    return concat([size, head, this.bytes, [0x0b]]);
  }
}

export interface FunctionDef {
  readonly name: string;
  readonly code: Code;
}

/**
 * A module importing `env.memory` and exporting each function (results as its Code declares). With `sharedMaxPages`
 * the import is a shared memory (threads proposal), so every worker's instance sees one buffer.
 */
export function assembleModule(functions: readonly FunctionDef[], minPages: number, sharedMaxPages?: number): Uint8Array<ArrayBuffer> {
  const parts: ArrayLike<number>[] = [[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]];
  const section = (id: number, ...body: ArrayLike<number>[]) => {
    const head = [id];
    uleb(head, body.reduce((n, b) => n + b.length, 0));
    parts.push(head, ...body);
  };
  // types: one per function
  const types: number[] = [];
  uleb(types, functions.length);
  for (const f of functions) {
    types.push(0x60);
    uleb(types, f.code.params.length);
    types.push(...f.code.params);
    uleb(types, f.code.results.length);
    types.push(...f.code.results);
  }
  section(1, types);
  const imports: number[] = [];
  uleb(imports, 1);
  name(imports, 'env');
  name(imports, 'memory');
  if (sharedMaxPages === undefined) {
    imports.push(0x02, 0x00);
    uleb(imports, minPages);
  } else {
    imports.push(0x02, 0x03);
    uleb(imports, minPages);
    uleb(imports, sharedMaxPages);
  }
  section(2, imports);
  const funcs: number[] = [];
  uleb(funcs, functions.length);
  functions.forEach((_, i) => uleb(funcs, i));
  section(3, funcs);
  const exports: number[] = [];
  uleb(exports, functions.length);
  functions.forEach((f, i) => {
    name(exports, f.name);
    exports.push(0x00);
    uleb(exports, i);
  });
  section(7, exports);
  const count: number[] = [];
  uleb(count, functions.length);
  section(10, count, ...functions.map((f) => f.code.encode()));
  return concat(parts);
}
