// A checkpoint is read only when every byte checks out: its checksum, its header's array
// references (known types, offsets and lengths inside the file), its size against the header, and
// every array against the config, before the body is read.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assembleCheckpoint, CheckpointFormatError, checkpointProblems, decodeCheckpoint, encodeCheckpoint, readCheckpoint, splitCheckpoint, writeCheckpoint, type Checkpoint,
} from '../../src/checkpoint/index.js';
import { Engine } from '../../src/engine/engine.js';
import { ConfigError } from '../../src/errors.js';
import { smallConfig } from '../engine/helpers.js';

const config = smallConfig({ peers: 4, rounds: 3, eval: { every: 3, testExamples: 100 } });
const dim = 8 * 4 + 4; // logistic on 8 features, 4 classes
let cp: Checkpoint;

beforeAll(async () => {
  const engine = await Engine.create(config, { workers: 0 });
  try {
    await engine.run();
    cp = engine.checkpoint();
  } finally {
    await engine.close();
  }
}, 60_000);

const fresh = () => decodeCheckpoint(encodeCheckpoint(cp)) as Checkpoint;
function inDir(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'plexus-cp-'));
  writeFileSync(join(dir, 'checkpoint.bin'), bytes);
  return dir;
}
const refusal = (dir: string) => {
  try {
    readCheckpoint(dir, { config });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('the checkpoint was accepted');
};

describe('the checkpoint codec', () => {
  it('gives back exactly what went in, non-finite numbers and every array type included', () => {
    const data = { a: new Float32Array([1.5, -0, NaN]), b: new Uint8Array([1, 2, 3]), c: [new Int32Array([-7]), new Float64Array([Infinity])], n: -Infinity, s: 'x' };
    const back = decodeCheckpoint(encodeCheckpoint(data)) as typeof data;
    expect(back.a).toEqual(data.a);
    expect(Object.is(back.a[1], -0)).toBe(true);
    expect(back.b).toEqual(data.b);
    expect(back.c[0]).toEqual(data.c[0]);
    expect(back.c[1][0]).toBe(Infinity);
    expect(back.n).toBe(-Infinity);
  });

  it('refuses any single flipped bit, in the header or the arrays', () => {
    const bytes = encodeCheckpoint(cp);
    for (const at of [20, 60, bytes.length - 5]) {
      const bad = Buffer.from(bytes);
      bad[at] ^= 1;
      expect(() => decodeCheckpoint(bad)).toThrow(CheckpointFormatError);
    }
  });

  it('refuses a checkpoint from before checksums with a clear message', () => {
    const bytes = encodeCheckpoint(cp);
    bytes.writeUInt32LE(0, 12);
    expect(() => decodeCheckpoint(bytes)).toThrow(/written by an earlier Plexus, before checkpoints carried a checksum/);
  });

  it('refuses array references that point outside the file, backwards, or to unknown types', () => {
    const { header, body } = splitCheckpoint(encodeCheckpoint({ a: new Float32Array(4) }));
    const forged = (h: string) => () => decodeCheckpoint(assembleCheckpoint(h, body));
    expect(forged(header.replace('"at":0', '"at":-8'))).toThrow(/offset -8 is not a non-negative multiple of 8/);
    expect(forged(header.replace('"at":0', '"at":3'))).toThrow(/offset 3/);
    expect(forged(header.replace('"length":4', '"length":5'))).toThrow(/reaches past the 16 bytes/);
    expect(forged(header.replace('"length":4', '"length":-1'))).toThrow(/length -1 is not a count/);
    expect(forged(header.replace('Float32Array', 'BigInt64Array'))).toThrow(/unknown array type "BigInt64Array"/);
    expect(forged(header.replace('Float32Array', '__proto__'))).toThrow(/unknown array type/);
  });
});

describe('readCheckpoint', () => {
  it('reads back a checkpoint of the config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plexus-cp-'));
    writeCheckpoint(dir, cp);
    const back = readCheckpoint(dir, { config });
    expect(back.round).toBe(3);
    expect(back.engine.params).toEqual(cp.engine.params);
  });

  it('names the file and says it is corrupt when the checksum fails', () => {
    const bytes = encodeCheckpoint(cp);
    bytes[bytes.length - 1] ^= 0x40;
    const dir = inDir(bytes);
    expect(refusal(dir)).toContain(`${join(dir, 'checkpoint.bin')}: its checksum does not match its content`);
  });

  it('refuses bytes added or cut: as corrupt against the run\'s config, by its sizes before reading the body without one', () => {
    const bytes = encodeCheckpoint(cp);
    const longer = inDir(Buffer.concat([bytes, Buffer.alloc(8)]));
    const shorter = inDir(bytes.subarray(0, bytes.length - 8));
    expect(refusal(longer)).toMatch(/checksum does not match/);
    expect(refusal(shorter)).toMatch(/checksum does not match/);
    expect(() => readCheckpoint(longer)).toThrow(/its header describes \d+; the file is cut short or has bytes added/);
    expect(() => readCheckpoint(shorter)).toThrow(/reaches past the \d+ bytes of arrays/);
  });

  it('refuses a header that claims more than a checkpoint holds, without reading it', () => {
    const bytes = encodeCheckpoint(cp);
    bytes.writeUInt32LE(0xfffffff0, 8);
    expect(refusal(inDir(bytes))).toMatch(/truncated: the header says 4294967280 bytes/);
  });

  it('refuses a link and a FIFO instead of following or blocking', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plexus-cp-'));
    writeFileSync(join(dir, 'real.bin'), encodeCheckpoint(cp));
    symlinkSync(join(dir, 'real.bin'), join(dir, 'checkpoint.bin'));
    expect(refusal(dir)).toMatch(/symbolic link/);
    const fifo = mkdtempSync(join(tmpdir(), 'plexus-cp-'));
    execFileSync('mkfifo', [join(fifo, 'checkpoint.bin')]);
    expect(refusal(fifo)).toMatch(/a FIFO \(named pipe\), not a regular file/);
  });

  it('checks the arrays against the config its export reads when no config is given', () => {
    const c = fresh();
    c.engine.params = c.engine.params.slice(0, 2 * dim);
    const dir = inDir(encodeCheckpoint(c));
    expect(() => readCheckpoint(dir, { heading: 'Cannot export' })).toThrow(/^Cannot export:\n.*params has 72 entries, this run needs 144 \(4 peers x 36 parameters\)/);
  });
});

describe('checkpointProblems', () => {
  it('is empty for a checkpoint of the config', () => {
    expect(checkpointProblems(fresh(), config)).toEqual([]);
  });

  it('names every wrong round, type and length', () => {
    for (const round of [-2, 1.5, 0, 4, '3']) {
      expect(checkpointProblems({ ...fresh(), round }, config).join('\n')).toMatch(/round .* is not a whole number from 1 to 3/);
    }
    const c = fresh() as unknown as { engine: Record<string, unknown> };
    c.engine.stepCount = new Float32Array(4);
    c.engine.rngState = new Uint32Array(3);
    delete c.engine.cursor;
    (c.engine.traffic as Record<string, unknown>).perPeer = new Float64Array(2);
    expect(checkpointProblems(c, config)).toEqual([
      'checkpoint: stepCount is a Float32Array, an Int32Array expected',
      'checkpoint: rngState has 3 entries, this run needs 16',
      'checkpoint: cursor is missing (an Int32Array expected)',
      'checkpoint: traffic.perPeer has 2 entries, this run needs 4',
    ]);
  });

  it('runs on the header alone, so sizes are refused before the body is read', () => {
    const { header } = splitCheckpoint(encodeCheckpoint(cp));
    const refs = JSON.parse(header) as { engine: { params: { length: number } } };
    expect(checkpointProblems(refs, config)).toEqual([]);
    refs.engine.params.length = 1e9;
    expect(checkpointProblems(refs, config)).toEqual(['checkpoint: params has 1000000000 entries, this run needs 144 (4 peers x 36 parameters)']);
  });
});
