// A checkpoint's bytes: a JSON header followed by the raw bytes of every typed array in it.
// Plain data only (objects, arrays, numbers, strings, booleans, null and typed arrays), so
// what comes back is exactly what went in, bit for bit.

const MAGIC = 'PLEXUSCP';
const ARRAYS = { Float32Array, Float64Array, Int32Array, Uint32Array, Uint8Array } as const;
type ArrayName = keyof typeof ARRAYS;
type Typed = InstanceType<(typeof ARRAYS)[ArrayName]>;

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
      at += Math.ceil(a.byteLength / 8) * 8;
      return ref;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
    return value;
  });
  const head = Buffer.from(header, 'utf8');
  const pre = Buffer.alloc(16);
  pre.write(MAGIC, 0, 'latin1');
  pre.writeUInt32LE(head.length, 8);
  const headPadded = Math.ceil((16 + head.length) / 8) * 8 - 16;
  const out = Buffer.alloc(16 + headPadded + at);
  pre.copy(out, 0);
  head.copy(out, 16);
  let o = 16 + headPadded;
  for (const a of chunks) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, o);
    o += Math.ceil(a.byteLength / 8) * 8;
  }
  return out;
}

/** Decodes what encodeCheckpoint wrote; throws on anything else. Arrays are fresh copies. */
export function decodeCheckpoint(bytes: Uint8Array): unknown {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== MAGIC) throw new Error('not a Plexus checkpoint (bad magic bytes)');
  const headLen = buf.readUInt32LE(8);
  if (16 + headLen > buf.length) throw new Error('checkpoint is truncated (header)');
  const headPadded = Math.ceil((16 + headLen) / 8) * 8 - 16;
  const base = 16 + headPadded;
  return JSON.parse(buf.toString('utf8', 16, 16 + headLen), (_key, value: unknown) => {
    if (value && typeof value === 'object') {
      const v = value as Partial<Ref> & { $number?: string };
      if (v.$number !== undefined) return Number(v.$number);
      if (v.$array && v.$array in ARRAYS) {
        const Ctor = ARRAYS[v.$array];
        const bytesLen = v.length! * Ctor.BYTES_PER_ELEMENT;
        if (base + v.at! + bytesLen > buf.length) throw new Error('checkpoint is truncated (arrays)');
        const copy = new Uint8Array(bytesLen);
        copy.set(buf.subarray(base + v.at!, base + v.at! + bytesLen));
        return new Ctor(copy.buffer);
      }
    }
    return value;
  });
}
