// Small IDX and CSV files written by the data tests: plain or gzip'd, images 3-D or 4-D.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export function tempDataDir(prefix = 'plexus-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An unsigned-byte IDX buffer with these dims and bytes. */
export function idxBytes(dims: number[], data: ArrayLike<number>): Buffer {
  const buf = Buffer.alloc(4 + 4 * dims.length + data.length);
  buf[2] = 0x08;
  buf[3] = dims.length;
  dims.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  for (let i = 0; i < data.length; i++) buf[4 + 4 * dims.length + i] = data[i];
  return buf;
}

export function writeIdx(dir: string, name: string, dims: number[], data: ArrayLike<number>, gzip = false): string {
  const path = join(dir, name);
  writeFileSync(path, gzip ? gzipSync(idxBytes(dims, data)) : idxBytes(dims, data));
  return path;
}

/**
 * A learnable image set: n images of h x w x c whose class (0..classes-1) sets which band of
 * rows is bright, plus a little deterministic texture.
 */
export function imageSet(n: number, h: number, w: number, c: number, classes: number): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(n * h * w * c);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const y = (i * 7 + 3) % classes;
    labels[i] = y;
    for (let r = 0; r < h; r++) {
      const bright = Math.floor((r * classes) / h) === y;
      for (let k = 0; k < w * c; k++) images[((i * h + r) * w * c) + k] = bright ? 200 + ((i + k) % 50) : (i * 13 + r * 5 + k) % 60;
    }
  }
  return { images, labels };
}

/** Writes an image set as the four files of an idx dataset; returns the config's dataset block. */
export function writeImageDataset(dir: string, opts: { h: number; w: number; c?: number; classes: number; train: number; test: number; gzip?: boolean }) {
  const c = opts.c ?? 1;
  const dims = (n: number) => (opts.c === undefined ? [n, opts.h, opts.w] : [n, opts.h, opts.w, c]);
  const ext = opts.gzip ? '.gz' : '';
  const tr = imageSet(opts.train, opts.h, opts.w, c, opts.classes);
  const te = imageSet(opts.test, opts.h, opts.w, c, opts.classes);
  writeIdx(dir, `train-images${ext}`, dims(opts.train), tr.images, opts.gzip);
  writeIdx(dir, `train-labels${ext}`, [opts.train], tr.labels, opts.gzip);
  writeIdx(dir, `test-images${ext}`, dims(opts.test), te.images, opts.gzip);
  writeIdx(dir, `test-labels${ext}`, [opts.test], te.labels, opts.gzip);
  return {
    kind: 'idx' as const,
    train: { images: join(dir, `train-images${ext}`), labels: join(dir, `train-labels${ext}`) },
    test: { images: join(dir, `test-images${ext}`), labels: join(dir, `test-labels${ext}`) },
  };
}

export function writeText(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
