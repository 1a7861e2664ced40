// A frame's bytes: the 16-byte header (round u32, sender i32, receiver i32, kind u8, 3 reserved,
// all little-endian) then the payload. Decoding never copies: the payload is a view of the input.
import { TransportError } from './errors.js';
import { FRAME_HEADER_BYTES, FRAME_KINDS, type Frame, type FrameKind } from './types.js';

/** The largest frame a transport accepts by default: a W1 row block is several MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 2 ** 20;

const KINDS = new Set<number>(Object.values(FRAME_KINDS));

/** Bytes of a frame once encoded. */
export function frameByteLength(frame: Frame): number {
  return FRAME_HEADER_BYTES + frame.payload.byteLength;
}

function checkHeader(frame: Frame): void {
  const { round, sender, receiver, kind } = frame;
  if (!Number.isInteger(round) || round < 0 || round > 0xffffffff) throw new TransportError(`frame: round ${round} is not a uint32`);
  for (const [name, v] of [['sender', sender], ['receiver', receiver]] as const) {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new TransportError(`frame: ${name} ${v} is not an int32`);
  }
  if (!KINDS.has(kind)) throw new TransportError(`frame: unknown kind ${kind} (known: ${[...KINDS].join(', ')})`);
}

/** Writes the header and payload into `out` at `offset`; `out` needs frameByteLength(frame) bytes there. */
export function encodeFrameInto(frame: Frame, out: Uint8Array, offset = 0): void {
  checkHeader(frame);
  const view = new DataView(out.buffer, out.byteOffset + offset, FRAME_HEADER_BYTES);
  view.setUint32(0, frame.round, true);
  view.setInt32(4, frame.sender, true);
  view.setInt32(8, frame.receiver, true);
  view.setUint32(12, frame.kind, true); // kind in the low byte, the 3 reserved bytes zero
  out.set(frame.payload, offset + FRAME_HEADER_BYTES);
}

/**
 * An uninitialised buffer of n bytes, for bytes about to be overwritten whole. A fresh zeroed
 * multi-MiB array costs more than the copy into it (zeroing and page faults: 3 ms/MB against
 * 0.75 here), which made it the largest cost of sending a W1 row block.
 */
export function allocBytes(n: number): Uint8Array {
  const b = Buffer.allocUnsafe(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

/** One buffer holding the frame (a copy of the payload, so the caller may reuse its own at once). */
export function encodeFrame(frame: Frame): Uint8Array {
  const out = allocBytes(frameByteLength(frame));
  encodeFrameInto(frame, out, 0);
  return out;
}

/** Reads a frame; its payload is a view of `bytes`, valid for as long as `bytes` is. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.byteLength < FRAME_HEADER_BYTES) {
    throw new TransportError(`frame: ${bytes.byteLength} bytes is shorter than the ${FRAME_HEADER_BYTES}-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, FRAME_HEADER_BYTES);
  const kind = view.getUint8(12);
  if (!KINDS.has(kind)) throw new TransportError(`frame: unknown kind ${kind} (known: ${[...KINDS].join(', ')})`);
  return {
    round: view.getUint32(0, true),
    sender: view.getInt32(4, true),
    receiver: view.getInt32(8, true),
    kind: kind as FrameKind,
    // a plain Uint8Array view even when `bytes` is a Buffer, whose slice() would not copy
    payload: new Uint8Array(bytes.buffer, bytes.byteOffset + FRAME_HEADER_BYTES, bytes.byteLength - FRAME_HEADER_BYTES),
  };
}

/** A frame's payload as float32 rows: a view when the payload is 4-byte aligned, else a copy. */
export function framePayloadFloat32(frame: Frame): Float32Array {
  const p = frame.payload;
  if (p.byteLength % 4 !== 0) throw new TransportError(`frame: a ${p.byteLength}-byte payload is not whole float32 values`);
  if (p.byteOffset % 4 === 0) return new Float32Array(p.buffer, p.byteOffset, p.byteLength / 4);
  return new Float32Array(new Uint8Array(p).buffer);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A control frame carrying `body` as UTF-8 JSON, from and to the process itself. */
export function controlFrame(body: unknown, round = 0): Frame {
  return { round, sender: -1, receiver: -1, kind: FRAME_KINDS.control, payload: encoder.encode(JSON.stringify(body)) };
}

/** The JSON body of a control frame. */
export function readControl(frame: Frame): unknown {
  if (frame.kind !== FRAME_KINDS.control) throw new TransportError(`frame: kind ${frame.kind} is not a control frame`);
  try {
    return JSON.parse(decoder.decode(frame.payload));
  } catch (cause) {
    throw new TransportError('frame: a control frame does not hold valid JSON', { cause });
  }
}

/** The sender's process index of a hello control frame, or undefined for any other frame. */
export function readHello(frame: Frame): number | undefined {
  if (frame.kind !== FRAME_KINDS.control) return undefined;
  const body = readControl(frame) as { hello?: unknown } | null;
  const h = body?.hello;
  return typeof h === 'number' && Number.isInteger(h) && h >= 0 ? h : undefined;
}
