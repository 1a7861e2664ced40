import { appendFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineTail } from '../../viz/server/line-tail.js';
import { parseStreamPosition } from '../../viz/server/event-stream.js';
import { UnsafeFileError } from '../../viz/server/safe-file.js';
import { tempDir } from './helpers.js';

async function readAll(tail: LineTail, seen: { skipped: number } = { skipped: 0 }): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const { lines, more, skipped } = await tail.read();
    out.push(...lines);
    seen.skipped += skipped;
    if (!more) return out;
  }
}

describe('LineTail', () => {
  it('reads nothing from a file that does not exist yet', async () => {
    const tail = new LineTail(join(await tempDir('tail'), 'missing.jsonl'));
    expect(await tail.read()).toEqual({ lines: [], more: false, skipped: 0 });
  });

  it('hands out a line only once its newline is written', async () => {
    const file = join(await tempDir('tail'), 'm.jsonl');
    await writeFile(file, '{"a":1}\n{"b":');
    const tail = new LineTail(file);
    expect(await readAll(tail)).toEqual(['{"a":1}']);
    expect(await readAll(tail)).toEqual([]);
    await appendFile(file, '2}\r\n\n{"c":3}\n');
    expect(await readAll(tail)).toEqual(['{"b":2}', '{"c":3}']);
  });

  it('keeps multi-byte characters intact across chunk boundaries', async () => {
    const file = join(await tempDir('tail'), 'u.jsonl');
    const lines = ['{"name":"réseau ∑ θ̄"}', '{"name":"пир 😀"}'];
    await writeFile(file, lines.join('\n') + '\n');
    const tail = new LineTail(file, { chunkBytes: 3 });
    expect(await readAll(tail)).toEqual(lines);
  });

  it('starts over when the file is replaced by a shorter one', async () => {
    const file = join(await tempDir('tail'), 'r.jsonl');
    await writeFile(file, '{"round":1}\n{"round":2}\n');
    const tail = new LineTail(file);
    await readAll(tail);
    await writeFile(file, '{"r":9}\n');
    expect(await readAll(tail)).toEqual(['{"r":9}']);
  });
});

describe('LineTail with over-long lines', () => {
  const KB = 1024;

  it('drops an unterminated line as it grows, holding no more than the limit, then reads on', async () => {
    const file = join(await tempDir('tail'), 'huge.jsonl');
    await writeFile(file, '{"round":1}\n' + 'x'.repeat(3000 * KB)); // 3 MB and no newline yet
    const tail = new LineTail(file, { chunkBytes: 64 * KB, maxLineBytes: 256 * KB });
    const seen = { skipped: 0 };
    let peak = 0;
    const lines: string[] = [];
    for (;;) {
      const r = await tail.read();
      lines.push(...r.lines);
      seen.skipped += r.skipped;
      peak = Math.max(peak, tail.bufferedBytes);
      if (!r.more) break;
    }
    expect(lines).toEqual(['{"round":1}']);
    expect(seen.skipped).toBe(1);
    expect(peak).toBeLessThanOrEqual(256 * KB);
    expect(tail.bufferedBytes).toBe(0);
    await appendFile(file, 'still the same line\n{"round":2}\n');
    const after = { skipped: 0 };
    expect(await readAll(tail, after)).toEqual(['{"round":2}']);
    expect(after.skipped).toBe(0); // counted once, when it was found too long
  });

  it('skips a long line that arrives whole and keeps its neighbours and a line at the limit', async () => {
    const file = join(await tempDir('tail'), 'mixed.jsonl');
    const atLimit = 'y'.repeat(100);
    await writeFile(file, `{"a":1}\n${'z'.repeat(101)}\n${atLimit}\n{"b":2}\n`);
    const seen = { skipped: 0 };
    expect(await readAll(new LineTail(file, { maxLineBytes: 100 }), seen)).toEqual(['{"a":1}', atLimit, '{"b":2}']);
    expect(seen.skipped).toBe(1);
  });

  it('refuses to read through a symbolic link', async () => {
    const dir = await tempDir('tail');
    await writeFile(join(dir, 'secret'), 'SECRET\n');
    await symlink(join(dir, 'secret'), join(dir, 'metrics.jsonl'));
    await expect(new LineTail(join(dir, 'metrics.jsonl')).read()).rejects.toBeInstanceOf(UnsafeFileError);
  });
});

describe('parseStreamPosition', () => {
  it('reads "metrics.peers" counts and treats anything else as the start', () => {
    expect(parseStreamPosition('12.4')).toEqual({ metrics: 12, peers: 4 });
    for (const bad of [undefined, null, '', '1', '1.2.3', '-1.2', 'a.b', '1e3.1']) {
      expect(parseStreamPosition(bad)).toEqual({ metrics: 0, peers: 0 });
    }
  });
});
