// One interface for every attack a hostile peer mounts: data poisoning (its own training) or a
// crafted model per link (what it sends each honest neighbour instead of its row).
import type { z } from 'zod';
import type { KindSchema } from '../protocol/types.js';
import type { MixingMatrix } from '../types.js';
import type { StepEnv } from '../step/types.js';

/** What crafting one link's message sees, in whatever thread runs it. */
export interface CraftEnv {
  readonly peers: number;
  readonly dim: number;
  readonly round: number;
  /** the run's seed: per-adversary streams are createRng(seed, 'attack', from, round) */
  readonly seed: number;
  /** adversaries in the run (f) */
  readonly adversaries: number;
  /** the current rows after local steps (read only; an omniscient attacker reads any honest row) */
  readonly x: Float32Array;
  /** the round's mixing matrix, adversarial entries unchanged */
  readonly w: MixingMatrix;
  /** 1 for adversarial peers */
  readonly adversarial: Uint8Array;
  /** the link: adversary `from` sends to honest peer `to` */
  readonly from: number;
  readonly to: number;
  /** per-thread float64 scratch (contents undefined) */
  scratch64(name: string, length: number): Float64Array;
}

/** How many peers a run has and how many of them attack (n and f), known from the config. */
export interface Headcount {
  readonly peers: number;
  readonly adversaries: number;
}

export interface Attack<S extends KindSchema = KindSchema> {
  readonly kind: z.output<S>['kind'];
  readonly schema: S;
  /** one line for help texts */
  readonly summary: string;
  /**
   * Data poisoning: rewrites an attacker's training batch in place (env.x, env.y over env.size
   * examples), a 'batch' stage of its local step (src/step/) at every round it attacks. Works with every protocol.
   */
  poison?(spec: z.output<S>, env: StepEnv): void;
  /**
   * Writes the message of link (env.from -> env.to) into `out` (dim floats). Reads honest rows only
   * (and the sender's own), so every link is independent of the others and of the split over workers.
   */
  craft?(spec: z.output<S>, env: CraftEnv, out: Float32Array): void;
  /** Problems of the spec with n peers of which f attack, as "path: what is wrong; the fix" (config checks). */
  check?(spec: z.output<S>, count: Headcount): string[];
  /** The settings that shape what it sends, defaults worked out (e.g. "z=1.53, its default for ..."); absent: the spec's fields. */
  describe?(spec: z.output<S>, count: Headcount): string;
}

export function defineAttack<S extends KindSchema>(a: Attack<S>): Attack<S> {
  return a;
}

/** The entries of row i of w whose column is an honest peer (i itself included). */
export function honestEntries(env: CraftEnv, i: number): number[] {
  const { offsets, cols } = env.w;
  const out: number[] = [];
  for (let p = offsets[i]; p < offsets[i + 1]; p++) if (!env.adversarial[cols[p]]) out.push(p);
  return out;
}

/** Coordinate-wise mean (and population standard deviation when `std` is given) of the listed rows, in float64. */
export function rowStats(env: CraftEnv, rows: number[], mean: Float64Array, std?: Float64Array): void {
  const { dim, x } = env;
  mean.fill(0);
  for (const r of rows) for (let c = 0, o = r * dim; c < dim; c++) mean[c] += x[o + c];
  for (let c = 0; c < dim; c++) mean[c] /= rows.length;
  if (!std) return;
  std.fill(0);
  for (const r of rows) {
    for (let c = 0, o = r * dim; c < dim; c++) {
      const d = x[o + c] - mean[c];
      std[c] += d * d;
    }
  }
  for (let c = 0; c < dim; c++) std[c] = Math.sqrt(std[c] / rows.length);
}
