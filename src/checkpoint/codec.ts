// A checkpoint's bytes: a 48-byte preamble, a JSON header, then the raw bytes of every typed array
// in it. Plain data only (objects, arrays, numbers, strings, booleans, null and typed arrays), so
// what comes back is exactly what went in, bit for bit. The preamble holds a SHA-256 of everything
// else, so a flipped bit anywhere is refused instead of resumed from.
//
// Layout: 'PLEXUSCP' | u32 header bytes | u32 layout version | 32-byte SHA-256 | header (padded to 8) | arrays (each padded to 8)
// The digest covers bytes 0..16 and 48..end (the preamble less the digest itself).
import { createHash } from 'node:crypto';
import { PlexusError } from '../errors.js';

const MAGIC = 'PLEXUSCP';
/** The byte layout above; 0 in files written before checksums (their bytes 12..16 were zero). */
export const CHECKPOINT_LAYOUT = 2;
export const PREAMBLE_BYTES = 48;
const ARRAYS = { Float32Array, Float64Array, Int32Array, Uint32Array, Uint8Array } as const;
type ArrayName = keyof typeof ARRAYS;
type Typed = InstanceType<(typeof ARRAYS)[ArrayName]>;
const NUMBERS: Record<string, number> = { NaN, Infinity, '-Infinity': -Infinity };

/** The bytes are not a checkpoint this Plexus can read: the message says why, without the file's name. */
export class CheckpointFormatError extends PlexusError {}

interface Ref {
  $array: ArrayName;
  /** byte offset in the binary section, and element count */
  at: number;
  length: number;
}

function arrayName(v: unknown): ArrayName | undefined {
  for (const name of Object.keys(ARRAYS) as ArrayName[]) if (v instanceof ARRAYS[name]) return name;
  return undefined;
}

const pad8 = (n: number) => Math.ceil(n / 8) * 8;

function digest(preamble: Uint8Array, rest: Uint8Array[]): Buffer {
  const h = createHash('sha256').update(preamble.subarray(0, 16));
  for (const r of rest) h.update(r);
  return h.digest();
}

/** A checkpoint file from its header text and its arrays' section: the preamble and digest added. */
export function assembleCheckpoint(header: string, body: Uint8Array): Buffer {
  const head = Buffer.from(header, 'utf8');
  const headPadded = pad8(head.length);
  const out = Buffer.alloc(PREAMBLE_BYTES + headPadded + body.byteLength);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(head.length, 8);
  out.writeUInt32LE(CHECKPOINT_LAYOUT, 12);
  head.copy(out, PREAMBLE_BYTES);
  out.set(body, PREAMBLE_BYTES + headPadded);
  digest(out, [out.subarray(PREAMBLE_BYTES)]).copy(out, 16);
  return out;
}

/** Encodes plain data with typed arrays; non-finite numbers are kept (as strings in the header). */
export function encodeCheckpoint(data: unknown): Buffer {
  const chunks: Typed[] = [];
  let at = 0;
  const header = JSON.stringify(data, function (this: unknown, _key, value: unknown) {
    const name = arrayName(value);
    if (name) {
      const a = value as Typed;
      // 8-byte alignment so every array can be viewed in place when decoding
      const ref: Ref = { $array: name, at, length: a.length };
      chunks.push(a);
      at += pad8(a.byteLength);
      return ref;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
    return value;
  });
  const body = Buffer.alloc(at);
  let o = 0;
  for (const a of chunks) {
    body.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
    o += pad8(a.byteLength);
  }
  return assembleCheckpoint(header, body);
}

/** The preamble's fields, checked: a file of another kind or layout is refused here. */
export function readPreamble(pre: Uint8Array, fileBytes: number): { headerBytes: number; bodyStart: number } {
  const buf = Buffer.from(pre.buffer, pre.byteOffset, pre.byteLength);
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== MAGIC) throw new CheckpointFormatError('not a Plexus checkpoint (bad magic bytes)');
  const layout = buf.readUInt32LE(12);
  if (layout !== CHECKPOINT_LAYOUT) {
    throw new CheckpointFormatError(layout === 0
      ? 'written by an earlier Plexus, before checkpoints carried a checksum; this version cannot check it, so rerun the experiment (or resume it with the Plexus that wrote it)'
      : `layout ${layout} is not this Plexus's layout ${CHECKPOINT_LAYOUT}; use the Plexus that wrote it`);
  }
  if (buf.length < PREAMBLE_BYTES || fileBytes < PREAMBLE_BYTES) throw new CheckpointFormatError('truncated (the preamble is cut short)');
  const headerBytes = buf.readUInt32LE(8);
  const bodyStart = PREAMBLE_BYTES + pad8(headerBytes);
  if (bodyStart > fileBytes) throw new CheckpointFormatError(`truncated: the header says ${headerBytes} bytes, the file has ${fileBytes - PREAMBLE_BYTES} after the preamble`);
  return { headerBytes, bodyStart };
}

/** The header's JSON with every array reference checked; `bodyBytes` is what the file holds after the header. */
export function parseHeader(text: string, bodyBytes: number): { value: unknown; bodyEnd: number } {
  let end = 0;
  const fail = (why: string): never => {
    throw new CheckpointFormatError(why);
  };
  let value: unknown;
  try {
    value = JSON.parse(text, (_key, v: unknown) => {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
      const o = v as Record<string, unknown>;
      if ('$number' in o) {
        const n = typeof o.$number === 'string' ? NUMBERS[o.$number] : undefined;
        return n === undefined ? fail(`header: ${JSON.stringify(o.$number)} is not a non-finite number`) : n;
      }
      if (!('$array' in o)) return v;
      const name = o.$array;
      if (typeof name !== 'string' || !Object.hasOwn(ARRAYS, name)) return fail(`header: unknown array type ${JSON.stringify(name)} (known: ${Object.keys(ARRAYS).join(', ')})`);
      const { at, length } = o;
      if (!Number.isSafeInteger(at) || (at as number) < 0 || (at as number) % 8 !== 0) return fail(`header: an array's offset ${JSON.stringify(at)} is not a non-negative multiple of 8`);
      if (!Number.isSafeInteger(length) || (length as number) < 0) return fail(`header: an array's length ${JSON.stringify(length)} is not a count`);
      const bytes = (length as number) * ARRAYS[name as ArrayName].BYTES_PER_ELEMENT;
      if ((at as number) + bytes > bodyBytes) return fail(`header: a ${name} of ${length} at byte ${at} reaches past the ${bodyBytes} bytes of arrays in the file`);
      end = Math.max(end, (at as number) + pad8(bytes));
      return { $array: name as ArrayName, at: at as number, length: length as number } satisfies Ref;
    });
  } catch (e) {
    if (e instanceof CheckpointFormatError) throw e;
    fail(`header: not JSON (${(e as Error).message})`);
  }
  return { value, bodyEnd: end };
}

const CORRUPT = 'its checksum does not match its content: the file is corrupt (changed or damaged after it was written); resume from another copy or rerun the experiment';

/** Checks the digest of a whole file (after its preamble was checked). */
export function verifyDigest(file: Uint8Array): void {
  const want = Buffer.from(file.buffer, file.byteOffset + 16, 32);
  if (!digest(file, [file.subarray(PREAMBLE_BYTES)]).equals(want)) throw new CheckpointFormatError(CORRUPT);
}

/** The same check on a file read a chunk at a time by `read(position, length)`, never all in memory. */
export function verifyDigestStreaming(preamble: Uint8Array, size: number, read: (position: number, length: number) => Uint8Array): void {
  const h = createHash('sha256').update(preamble.subarray(0, 16));
  const CHUNK = 1 << 22;
  for (let pos = PREAMBLE_BYTES; pos < size; pos += CHUNK) h.update(read(pos, Math.min(CHUNK, size - pos)));
  if (!h.digest().equals(Buffer.from(preamble.buffer, preamble.byteOffset + 16, 32))) throw new CheckpointFormatError(CORRUPT);
}

/** Replaces every array reference by a fresh typed array holding its bytes from `body`. */
export function attachArrays(value: unknown, body: Uint8Array): unknown {
  if (!value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => attachArrays(v, body));
  const o = value as Record<string, unknown>;
  if (typeof o.$array === 'string' && Object.hasOwn(ARRAYS, o.$array)) {
    const { $array, at, length } = o as unknown as Ref;
    const Ctor = ARRAYS[$array];
    const copy = new Uint8Array(length * Ctor.BYTES_PER_ELEMENT);
    copy.set(body.subarray(at, at + copy.length));
    return new Ctor(copy.buffer);
  }
  for (const k of Object.keys(o)) o[k] = attachArrays(o[k], body);
  return o;
}

/** Decodes what encodeCheckpoint wrote; throws CheckpointFormatError on anything else. Arrays are fresh copies. */
export function decodeCheckpoint(bytes: Uint8Array): unknown {
  const { headerBytes, bodyStart } = readPreamble(bytes.subarray(0, PREAMBLE_BYTES), bytes.byteLength);
  verifyDigest(bytes);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + PREAMBLE_BYTES, headerBytes).toString('utf8');
  const body = bytes.subarray(bodyStart);
  const { value } = parseHeader(text, body.byteLength);
  return attachArrays(value, body);
}

/** A checkpoint file's header text and arrays' section (for tools and tests that rewrite one). */
export function splitCheckpoint(bytes: Uint8Array): { header: string; body: Buffer } {
  const { headerBytes, bodyStart } = readPreamble(bytes.subarray(0, PREAMBLE_BYTES), bytes.byteLength);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { header: buf.toString('utf8', PREAMBLE_BYTES, PREAMBLE_BYTES + headerBytes), body: Buffer.from(buf.subarray(bodyStart)) };
}
