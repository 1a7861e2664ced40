// Reads the complete lines appended to a growing file, a bounded chunk at a time.
// A line is only handed out once its newline is on disk, so a half-written JSON line
// never reaches the page. Memory stays bounded: a line longer than `maxLineBytes`
// (say an unterminated 60 MB one) is dropped as it grows and counted in `skipped`.

import { openRegularFile } from './safe-file.js';

const DEFAULT_CHUNK = 1 << 20;
/** Far above a real peers.jsonl line (100k peers: about 15 MB), far below a server's memory. */
export const DEFAULT_MAX_LINE_BYTES = 32 << 20;
const NEWLINE = 0x0a;

export interface TailRead {
  /** complete, non-empty lines */
  lines: string[];
  /** the file already holds bytes past what was read */
  more: boolean;
  /** lines longer than the limit, dropped (a line is counted once, when it is found too long) */
  skipped: number;
}

export class LineTail {
  readonly path: string;
  readonly maxLineBytes: number;
  private offset = 0;
  /** the bytes of the line being read, before its newline */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** inside a line already found too long: drop bytes until its newline */
  private skipping = false;
  private readonly chunkBytes: number;

  constructor(path: string, opts: { chunkBytes?: number; maxLineBytes?: number } = {}) {
    this.path = path;
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK;
    this.maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Bytes of the unfinished line held in memory: never more than maxLineBytes. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Bytes consumed so far (complete lines plus a pending partial line). */
  get bytesRead(): number {
    return this.offset;
  }

  /**
   * The lines appended since the last call, from at most one chunk. A missing file reads as
   * empty; a symbolic link or non-regular file throws UnsafeFileError.
   */
  async read(): Promise<TailRead> {
    const file = await openRegularFile(this.path);
    if (!file) return { lines: [], more: false, skipped: 0 };
    try {
      const { fh, size } = file;
      if (size < this.offset) this.reset(); // the file was replaced: start over
      if (size === this.offset) return { lines: [], more: false, skipped: 0 };
      const len = Math.min(size - this.offset, this.chunkBytes);
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, this.offset);
      this.offset += bytesRead;
      return { ...this.split(buf.subarray(0, bytesRead)), more: this.offset < size };
    } finally {
      await file.fh.close();
    }
  }

  private split(chunk: Buffer): { lines: string[]; skipped: number } {
    const lines: string[] = [];
    let skipped = 0;
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      const piece = chunk.subarray(start, end === -1 ? chunk.length : end);
      if (!this.skipping && this.pendingBytes + piece.length > this.maxLineBytes) {
        skipped++;
        this.skipping = true;
        this.dropPending();
      }
      if (end === -1) {
        // copy: a slice would keep the whole chunk alive
        if (!this.skipping && piece.length > 0) this.keep(Buffer.from(piece));
        return { lines, skipped };
      }
      if (this.skipping) this.skipping = false;
      else {
        const line = this.pending.length ? Buffer.concat([...this.pending, piece]).toString('utf8') : piece.toString('utf8');
        this.dropPending();
        const text = line.endsWith('\r') ? line.slice(0, -1) : line;
        if (text.trim() !== '') lines.push(text);
      }
      start = end + 1;
    }
  }

  private keep(piece: Buffer): void {
    this.pending.push(piece);
    this.pendingBytes += piece.length;
  }

  private dropPending(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  private reset(): void {
    this.offset = 0;
    this.skipping = false;
    this.dropPending();
  }
}
