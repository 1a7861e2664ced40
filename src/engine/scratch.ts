// Per-thread scratch arrays by name, grown on demand and reused across tasks, so row operations
// and aggregation rules allocate nothing per row.

export interface Scratch {
  f32(name: string, length: number): Float32Array;
  f64(name: string, length: number): Float64Array;
  u8(name: string, length: number): Uint8Array;
  i32(name: string, length: number): Int32Array;
}

export function createScratch(): Scratch {
  const f32 = new Map<string, Float32Array>();
  const f64 = new Map<string, Float64Array>();
  const u8 = new Map<string, Uint8Array>();
  const i32 = new Map<string, Int32Array>();
  const get = <T extends Float32Array | Float64Array | Uint8Array | Int32Array>(m: Map<string, T>, make: (n: number) => T, name: string, n: number): T => {
    let a = m.get(name);
    if (!a || a.length < n) {
      a = make(Math.max(n, a ? a.length * 2 : 0));
      m.set(name, a);
    }
    return a.length === n ? a : (a.subarray(0, n) as T);
  };
  return {
    f32: (name, n) => get(f32, (k) => new Float32Array(k), name, n),
    f64: (name, n) => get(f64, (k) => new Float64Array(k), name, n),
    u8: (name, n) => get(u8, (k) => new Uint8Array(k), name, n),
    i32: (name, n) => get(i32, (k) => new Int32Array(k), name, n),
  };
}
