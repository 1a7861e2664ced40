// One interface for every compression operator C used by compressed gossip (CHOCO-SGD):
// dense in, dense out (zeros where nothing is sent), plus the bytes the sent form takes.
import { z } from 'zod';
import type { KindSchema } from '../types.js';
import type { Rng } from '../../rng.js';

/** Reusable per-thread buffers of dim entries. */
export interface CompressionScratch {
  readonly f32: Float32Array;
  readonly mark: Uint8Array;
}

export interface Compressor {
  readonly kind: string;
  /** Bytes one compressed vector of `dim` floats takes on the wire. */
  bytes(dim: number): number;
  /** out = C(v); v is not modified; randomised operators call rng() once for their stream. */
  compress(v: Float32Array, out: Float32Array, rng: () => Rng, scratch: CompressionScratch): void;
  /**
   * compress, and the bytes(dim) bytes that carry out = C(v) on the wire (a live run's frames),
   * from which decode (given the same rng) rebuilds out bit for bit.
   */
  encode(v: Float32Array, out: Float32Array, rng: () => Rng, scratch: CompressionScratch): Uint8Array;
  /** out = the C(v) that `payload` (from encode) carries; out is overwritten whole. */
  decode(payload: Uint8Array, out: Float32Array, rng: () => Rng, scratch: CompressionScratch): void;
}

/** A payload that is not the bytes(dim) bytes a compressor sends for `dim` floats. */
export function checkPayload(kind: string, payload: Uint8Array, bytes: number): DataView {
  if (payload.byteLength !== bytes) throw new RangeError(`${kind}: a payload of ${payload.byteLength} bytes where ${bytes} were due`);
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** A compression module: its config schema and how to build the operator from it. */
export interface CompressionDescriptor<S extends KindSchema = KindSchema> {
  readonly kind: z.output<S>['kind'];
  readonly schema: S;
  readonly summary: string;
  create(spec: z.output<S>): Compressor;
  /** sends every coordinate as it is: CHOCO copies the row into its public estimate instead of compressing a difference */
  readonly identity?: boolean;
}

export function defineCompression<S extends KindSchema>(d: CompressionDescriptor<S>): CompressionDescriptor<S> {
  return d;
}

/** A share of coordinates in (0, 1]. */
export const fractionSchema = z.number().superRefine((v, ctx) => {
  if (!(v > 0 && v <= 1)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${v} is outside (0, 1]; give the share of coordinates sent, e.g. 0.01 for 1%` });
  }
});

/** Number of coordinates a fraction keeps: at least one. */
export function keptCount(fraction: number, dim: number): number {
  return Math.min(dim, Math.max(1, Math.ceil(fraction * dim)));
}
