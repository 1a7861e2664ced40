// Replacing a file so that a reader sees the old text or the new, never half of one: write a
// temporary file beside it, flush it to disk, rename it over the target.
import { closeSync, constants, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export function writeFileAtomic(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  removeIfThere(temp); // left by an earlier process of the same id that was killed
  const fd = openSync(temp, CREATE_NEW, 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    removeIfThere(temp);
    throw e;
  }
  closeSync(fd);
  renameSync(temp, path);
}

function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
