// Where a resumed run writes until it has earned its place: RUN/.plexus-resume/ holds copies of the
// kept lines with the new ones appended, the new summary and checkpoints. Only a resume that ends
// cleanly (done, or stopped by Ctrl-C after at least one new round) renames them over the run's
// files; anything else (an error, a divergence, Ctrl-C during set-up or before a new round, a
// second Ctrl-C) removes the stage and the run stays as it was.
import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_FILE } from '../checkpoint/index.js';
import { PlexusError } from '../errors.js';
import { RUN_FILES, type RunSummary } from '../run-format/index.js';
import { openRegularFile, removeIfThere } from '../safe-file.js';
import type { FileHistory } from './run-history.js';
import { attachLines, type RunFiles } from './run-writer.js';
import { reason } from './out-dir.js';
import { UsageError } from './options.js';

export const STAGE_DIR = '.plexus-resume';
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** What a stage may hold: a leftover of a resume killed at once is removed file by file. */
const STAGED = [RUN_FILES.metrics, RUN_FILES.peers, RUN_FILES.summary, CHECKPOINT_FILE, `${CHECKPOINT_FILE}.tmp`];

/** Removes a stage left by a resume that was killed before it could clean up (the caller holds the run's lock). */
function removeLeftoverStage(stage: string): void {
  let st;
  try {
    st = lstatSync(stage);
  } catch {
    return;
  }
  if (!st.isDirectory()) {
    removeIfThere(stage); // a link or a file in its place: removed itself, never followed
    return;
  }
  for (const name of STAGED) removeIfThere(join(stage, name));
  try {
    rmdirSync(stage);
  } catch {
    throw new UsageError(`resume: ${stage} holds files Plexus did not put there (${readdirSync(stage).slice(0, 3).join(', ')}); move them away and resume again`);
  }
}

/** Copies the kept byte ranges of `from` to the end of the open file `to`. */
function copyRanges(from: string, ranges: [number, number][], to: number): void {
  if (ranges.length === 0) return;
  const src = openRegularFile(from);
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (const [a, b] of ranges) {
      for (let pos = a; pos < b; ) {
        const n = readSync(src.fd, buf, 0, Math.min(buf.length, b - pos), pos);
        if (n === 0) throw new PlexusError(`${from} became shorter while it was copied; resume again`);
        let off = 0;
        while (off < n) off += writeSync(to, buf, off, n - off);
        pos += n;
      }
    }
  } finally {
    closeSync(src.fd);
  }
}

/**
 * Stages a resume of the run in `dir` from round `from`: each line file's kept lines are copied
 * into the stage, which then takes the new lines. Nothing of the run itself changes until commit.
 */
export function stageResumeFiles(dir: string, from: number, history: FileHistory[], log: (s: string) => void): RunFiles {
  const stage = join(dir, STAGE_DIR);
  removeLeftoverStage(stage);
  try {
    mkdirSync(stage, 0o755);
  } catch (e) {
    throw new UsageError(`resume: cannot create ${stage}: ${reason(e)}`);
  }
  const fds = new Map<string, number>();
  let done = false;
  const drop = () => {
    for (const fd of fds.values()) closeSync(fd);
    fds.clear();
    if (done) return;
    done = true;
    for (const name of STAGED) removeIfThere(join(stage, name));
    try {
      rmdirSync(stage);
    } catch {
      // not ours to remove
    }
  };
  try {
    for (const h of history) {
      const fd = openSync(join(stage, h.name), CREATE_NEW, 0o644);
      fds.set(h.name, fd);
      copyRanges(h.path, h.keep, fd);
    }
  } catch (e) {
    drop();
    throw e instanceof PlexusError ? e : new PlexusError(`resume: cannot stage ${stage}: ${reason(e)}`);
  }
  const write = (name: string, fd: number, text: string) => {
    try {
      writeSync(fd, text);
    } catch (e) {
      throw new PlexusError(`cannot write ${join(stage, name)}: ${reason(e)}`);
    }
  };
  const create = (name: string): number => {
    try {
      return openSync(join(stage, name), CREATE_NEW, 0o644);
    } catch (e) {
      throw new PlexusError(`cannot create ${join(stage, name)}: ${reason(e)}`);
    }
  };
  const commit = (summary: RunSummary) => {
    if (done) return;
    if (summary.aborted && summary.rounds <= from) {
      log(`stopped before a new round: ${dir} is left as it was`);
      drop();
      return;
    }
    for (const fd of fds.values()) {
      fsyncSync(fd);
      closeSync(fd);
    }
    fds.clear();
    // the summary last: while it is the old one, the run does not look finished with the new lines
    for (const name of [CHECKPOINT_FILE, RUN_FILES.peers, RUN_FILES.metrics, RUN_FILES.summary]) {
      const staged = join(stage, name);
      try {
        lstatSync(staged);
      } catch {
        continue;
      }
      try {
        renameSync(staged, join(dir, name));
      } catch (e) {
        throw new PlexusError(`resume: cannot move ${staged} to ${join(dir, name)}: ${reason(e)}`);
      }
    }
    done = true;
    try {
      rmdirSync(stage);
    } catch {
      // left for the next resume to clear
    }
  };
  return { dir, checkpointDir: stage, attach: (engine) => attachLines(engine, fds, write, create), commit, close: drop, discard: drop };
}
