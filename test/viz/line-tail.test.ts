import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineTail } from '../../viz/server/line-tail.js';
import { parseStreamPosition } from '../../viz/server/event-stream.js';
import { tempDir } from './helpers.js';

async function readAll(tail: LineTail): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const { lines, more } = await tail.read();
    out.push(...lines);
    if (!more) return out;
  }
}

describe('LineTail', () => {
  it('reads nothing from a file that does not exist yet', async () => {
    const tail = new LineTail(join(await tempDir('tail'), 'missing.jsonl'));
    expect(await tail.read()).toEqual({ lines: [], more: false });
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

describe('parseStreamPosition', () => {
  it('reads "metrics.peers" counts and treats anything else as the start', () => {
    expect(parseStreamPosition('12.4')).toEqual({ metrics: 12, peers: 4 });
    for (const bad of [undefined, null, '', '1', '1.2.3', '-1.2', 'a.b', '1e3.1']) {
      expect(parseStreamPosition(bad)).toEqual({ metrics: 0, peers: 0 });
    }
  });
});
