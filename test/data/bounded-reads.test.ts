// Data files are checked before they are read: a FIFO or a link is refused at once (never waited
// on), and an IDX header's counts are checked against the images and the memory limit before a
// single label is inflated, so a 2 MB labels.gz that would inflate to 2^31 labels costs nothing.
import { execFileSync } from 'node:child_process';
import { statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { csvInfo } from '../../src/data/csv.js';
import { idxInfo } from '../../src/data/idx-dataset.js';
import { DataError } from '../../src/errors.js';
import { plexus, writeConfig } from '../cli/helpers.js';
import { idxBytes, tempDataDir, writeIdx, writeImageDataset } from './fixtures.js';

const LABELS = 2 ** 31;

/**
 * labels.gz whose header declares 2^31 labels, followed by 2^31 zero bytes: gzip members of the
 * header and of 1 MiB of zeros, the second repeated (gunzip reads concatenated members as one
 * stream). About 2 MB on disk, 2 GiB inflated; made in milliseconds, never inflated here.
 */
function labelsBomb(dir: string): string {
  const zeros = gzipSync(Buffer.alloc(2 ** 20), { level: 9 });
  const path = join(dir, 'labels.gz');
  writeFileSync(path, Buffer.concat([gzipSync(idxBytes([LABELS], [])), ...Array<Buffer>(LABELS / 2 ** 20).fill(zeros)]));
  return path;
}

function mkfifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

const issue = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};

describe('data files are checked before they are read', () => {
  const dir = tempDataDir();

  it('refuses a labels.gz of 2^31 labels (a 2 MB file) before inflating it, when its images are fewer', () => {
    const labels = labelsBomb(dir);
    expect(statSync(labels).size).toBeLessThan(3 * 2 ** 20);
    const images = writeIdx(dir, 'images', [10, 2, 2], new Uint8Array(40));
    const files = { train: { images, labels }, test: { images, labels } };
    const e = issue(() => idxInfo(files));
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).message).toMatch(/labels\.gz: 2147483648 labels for the 10 images of .*images; every image needs one label/);
  });

  it('refuses images and labels that declare 2^31 examples under --max-memory 500M: exit 2, one message, nothing inflated', async () => {
    const labels = labelsBomb(dir);
    // the images' header alone: 2^31 images of 1x1 (the data is never read before the memory check)
    const images = join(dir, 'bomb-images.gz');
    writeFileSync(images, gzipSync(idxBytes([LABELS, 1, 1], [])));
    const cfg = writeConfig(dir, 'bomb.yaml', `peers: 4
rounds: 1
topology: { kind: ring, k: 1 }
data: { dataset: { kind: idx, train: { images: ${images}, labels: ${labels} }, test: { images: ${images}, labels: ${labels} } }, examplesPerPeer: 10 }
model: { kind: logistic }
`);
    const out = join(dir, 'bomb-run');
    const r = await plexus(['run', cfg, '--out', out, '--max-memory', '500M', '-q'], { timeout: 60_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/bomb-images\.gz: the IDX headers declare 4,294,967,296 images of 1 values, 20 GiB once loaded, more than the memory limit of 500 MiB \(set by --max-memory\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(() => statSync(out)).toThrow(); // nothing written
  }, 60_000);

  it('refuses an IDX file, a CSV file or an edge list that is a FIFO, at once, with a DataError naming it', () => {
    const fifo = mkfifo(join(dir, 'pipe'));
    const { train } = writeImageDataset(join(dir), { h: 2, w: 2, classes: 2, train: 4, test: 2 });
    const e = issue(() => idxInfo({ train: { images: fifo, labels: train.labels }, test: { images: fifo, labels: train.labels } }));
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).message).toMatch(/pipe: a FIFO \(named pipe\), not a regular file.*; name an IDX file/);
    const labelsFifo = issue(() => idxInfo({ train: { images: train.images, labels: fifo }, test: { images: train.images, labels: fifo } }));
    expect((labelsFifo as Error).message).toMatch(/pipe: a FIFO/);
    const csv = issue(() => csvInfo({ train: fifo, test: fifo, label: 'y' }));
    expect(csv).toBeInstanceOf(DataError);
    expect((csv as Error).message).toMatch(/pipe: a FIFO \(named pipe\).*; name a CSV file/);
  }, 10_000);

  it('refuses a data file reached through a symbolic link, naming the link', () => {
    const real = writeIdx(dir, 'real-images', [2, 2, 2], new Uint8Array(8));
    const link = join(dir, 'linked-images');
    symlinkSync(real, link);
    const e = issue(() => idxInfo({ train: { images: link, labels: link }, test: { images: link, labels: link } }));
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).message).toMatch(/linked-images: it is a symbolic link; Plexus never reads through links/);
  });
});
