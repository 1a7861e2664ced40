// Each peer's in-links (from, strength), at most `cap` per peer, in flat typed arrays.
export class LinkTable {
  readonly from: Int32Array;
  readonly strength: Float64Array;
  readonly count: Int32Array;

  constructor(readonly peers: number, readonly cap: number) {
    this.from = new Int32Array(peers * cap);
    this.strength = new Float64Array(peers * cap);
    this.count = new Int32Array(peers);
  }

  has(i: number, j: number): boolean {
    return this.indexOf(i, j) >= 0;
  }

  indexOf(i: number, j: number): number {
    const o = i * this.cap;
    for (let k = 0; k < this.count[i]; k++) if (this.from[o + k] === j) return k;
    return -1;
  }

  add(i: number, j: number, s: number): void {
    if (this.count[i] >= this.cap) throw new Error(`plasticity: peer ${i} has no room for another in-link`);
    const k = i * this.cap + this.count[i]++;
    this.from[k] = j;
    this.strength[k] = s;
  }

  /** Removes peer i's k-th link (the last one takes its place). */
  removeAt(i: number, k: number): void {
    const o = i * this.cap;
    const last = --this.count[i];
    this.from[o + k] = this.from[o + last];
    this.strength[o + k] = this.strength[o + last];
  }

  /** Peer i's link positions, strongest first (ties: lower peer id first). */
  byStrength(i: number): number[] {
    const o = i * this.cap;
    const ks = Array.from({ length: this.count[i] }, (_, k) => k);
    return ks.sort((a, b) => this.strength[o + b] - this.strength[o + a] || this.from[o + a] - this.from[o + b]);
  }

  forEach(i: number, f: (from: number, strength: number) => void): void {
    const o = i * this.cap;
    for (const k of this.byStrength(i)) f(this.from[o + k], this.strength[o + k]);
  }

  snapshot(): { from: Int32Array; strength: Float64Array; count: Int32Array } {
    return { from: this.from.slice(), strength: this.strength.slice(), count: this.count.slice() };
  }

  restore(s: { from: Int32Array; strength: Float64Array; count: Int32Array }): void {
    this.from.set(s.from);
    this.strength.set(s.strength);
    this.count.set(s.count);
  }
}

/**
 * Up to k distinct peers drawn uniformly from those `allowed` (self excluded), in draw order:
 * rejection draws first (cheap when most peers are allowed), then the rest from the full pool.
 */
export function samplePeers(n: number, self: number, k: number, next: (m: number) => number, allowed: (j: number) => boolean): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (let t = 0; out.length < k && t < 4 * k + 16; t++) {
    const j = next(n);
    if (j !== self && !seen.has(j) && allowed(j)) {
      seen.add(j);
      out.push(j);
    }
  }
  if (out.length === k) return out;
  const pool: number[] = [];
  for (let j = 0; j < n; j++) if (j !== self && !seen.has(j) && allowed(j)) pool.push(j);
  // a partial Fisher-Yates over what is left
  for (let t = 0; out.length < k && t < pool.length; t++) {
    const r = t + next(pool.length - t);
    [pool[t], pool[r]] = [pool[r], pool[t]];
    out.push(pool[t]);
  }
  return out;
}
