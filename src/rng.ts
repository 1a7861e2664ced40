// Seeded random streams. Every purpose (topology, partition, init, batches of peer i...)
// gets its own stream derived from the seed and a label path, so adding a consumer
// never shifts the numbers another consumer sees. State is 4 uint32 words (sfc32),
// so it can live in a shared typed array and travel between worker threads.

/** FNV-1a over a string, mixed with a running hash. */
function hashString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** splitmix32: a good scrambler for turning seeds into well-mixed state words. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export type Label = string | number;

/** Derives a 32-bit seed from a base seed and a path of labels. Seed 0 is a real seed. */
export function deriveSeed(seed: number, ...labels: Label[]): number {
  let h = hashString(0x811c9dc5, `seed:${seed >>> 0}:${Math.floor(seed / 2 ** 32)}`);
  for (const l of labels) h = hashString(splitmix32(h), `/${String(l)}`);
  return splitmix32(h);
}

/** Fills 4 state words for a seed (never all zero). */
export function seedState(seed: number, state: Uint32Array = new Uint32Array(4), offset = 0): Uint32Array {
  let s = seed >>> 0;
  for (let i = 0; i < 4; i++) {
    s = splitmix32(s + i);
    state[offset + i] = s;
  }
  if ((state[offset] | state[offset + 1] | state[offset + 2] | state[offset + 3]) === 0) state[offset] = 1;
  // warm up so that nearby seeds decorrelate
  const r = new Rng(state, offset);
  for (let i = 0; i < 12; i++) r.nextUint32();
  return state;
}

/** sfc32 generator whose state is 4 words at `offset` in `state` (may be shared memory). */
export class Rng {
  readonly state: Uint32Array;
  readonly offset: number;
  constructor(state: Uint32Array, offset = 0) {
    this.state = state;
    this.offset = offset;
  }

  nextUint32(): number {
    const s = this.state;
    const o = this.offset;
    let a = s[o], b = s[o + 1], c = s[o + 2], d = s[o + 3];
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    s[o] = a; s[o + 1] = b; s[o + 2] = c; s[o + 3] = d;
    return t;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller, no caching so state is the only state). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Gamma(shape, 1) by Marsaglia-Tsang; used by the Dirichlet partitioner. */
  gamma(shape: number): number {
    if (shape < 1) {
      const u = this.next();
      return this.gamma(shape + 1) * Math.pow(u === 0 ? Number.MIN_VALUE : u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** In-place Fisher-Yates shuffle of a[start, end). */
  shuffle<T extends { length: number; [i: number]: any }>(a: T, start = 0, end = a.length): T {
    for (let i = end - 1; i > start; i--) {
      const j = start + this.int(i - start + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

/** A fresh stream for a seed and a label path: createRng(seed, 'partition'), createRng(seed, 'batch', peer). */
export function createRng(seed: number, ...labels: Label[]): Rng {
  return new Rng(seedState(labels.length ? deriveSeed(seed, ...labels) : deriveSeed(seed)));
}

/** A stream derived from another stream's identity (not its consumed state). */
export function fork(seed: number, ...labels: Label[]): Rng {
  return createRng(seed, ...labels);
}

/** The states of several streams, back to back (4 words each): for checkpoints. */
export function streamStates(streams: readonly Rng[]): Uint32Array {
  const out = new Uint32Array(streams.length * 4);
  streams.forEach((r, i) => out.set(r.state.subarray(r.offset, r.offset + 4), i * 4));
  return out;
}

/** Puts back what streamStates saved. */
export function restoreStreams(streams: readonly Rng[], states: Uint32Array): void {
  if (states.length !== streams.length * 4) throw new RangeError(`restoreStreams: ${states.length / 4} saved streams for ${streams.length}`);
  streams.forEach((r, i) => r.state.set(states.subarray(i * 4, i * 4 + 4), r.offset));
}
