// One interface for every compression operator C used by compressed gossip (CHOCO-SGD):
// dense in, dense out (zeros where nothing is sent), plus the bytes the sent form takes.
import type { Rng } from '../../rng.js';

/** Plain data, so it travels in task messages to workers. */
export type CompressionSpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'top-k'; readonly fraction: number }
  | { readonly kind: 'random-k'; readonly fraction: number }
  | { readonly kind: 'qsgd'; readonly levels: number };

/** Reusable per-thread buffers of dim entries. */
export interface CompressionScratch {
  readonly f32: Float32Array;
  readonly mark: Uint8Array;
}

export interface Compressor {
  readonly kind: CompressionSpec['kind'];
  /** Bytes one compressed vector of `dim` floats takes on the wire. */
  bytes(dim: number): number;
  /** out = C(v); v is not modified; randomised operators call rng() once for their stream. */
  compress(v: Float32Array, out: Float32Array, rng: () => Rng, scratch: CompressionScratch): void;
}

/** Number of coordinates a fraction keeps: at least one. */
export function keptCount(fraction: number, dim: number): number {
  return Math.min(dim, Math.max(1, Math.ceil(fraction * dim)));
}
