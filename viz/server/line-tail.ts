// Reads the complete lines appended to a growing file, a bounded chunk at a time.
// A line is only handed out once its newline is on disk, so a half-written JSON line
// never reaches the page.

import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

const DEFAULT_CHUNK = 1 << 20;

export class LineTail {
  readonly path: string;
  private offset = 0;
  private partial = '';
  private decoder = new StringDecoder('utf8');
  private readonly chunkBytes: number;

  constructor(path: string, opts: { chunkBytes?: number } = {}) {
    this.path = path;
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK;
  }

  /** Bytes consumed so far (complete lines plus a pending partial line). */
  get bytesRead(): number {
    return this.offset;
  }

  /**
   * Complete, non-empty lines appended since the last call, from at most one chunk;
   * `more` says whether the file already holds bytes past that chunk. A missing file reads as empty.
   */
  async read(): Promise<{ lines: string[]; more: boolean }> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], more: false };
      throw err;
    }
    try {
      const { size } = await fh.stat();
      if (size < this.offset) this.reset(); // the file was replaced: start over
      if (size === this.offset) return { lines: [], more: false };
      const len = Math.min(size - this.offset, this.chunkBytes);
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, this.offset);
      this.offset += bytesRead;
      const text = this.partial + this.decoder.write(buf.subarray(0, bytesRead));
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      const lines: string[] = [];
      for (const p of parts) {
        const line = p.endsWith('\r') ? p.slice(0, -1) : p;
        if (line.trim() !== '') lines.push(line);
      }
      return { lines, more: this.offset < size };
    } finally {
      await fh.close();
    }
  }

  private reset(): void {
    this.offset = 0;
    this.partial = '';
    this.decoder = new StringDecoder('utf8');
  }
}
