// A live process's own files (`plexus node --out DIR`; `plexus live --out RUN` gives process K
// RUN/processes/K): its slice's lines of peers.jsonl, its links (links.json), its account (process.json).
import { closeSync, constants, lstatSync, openSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PlexusError } from '../errors.js';
import { writeFileAtomic } from '../safe-file.js';
import type { LiveNodeOptions } from '../live/node.js';
import type { MeasuredRound, ProcessRecord } from '../live/peer-files.js';
import { planOutDir, prepareOutDir, reason } from './out-dir.js';
import { UsageError } from './options.js';
import { json, keepRoundsBefore } from './run-writer.js';

export const PROCESS_FILES = { peers: 'peers.jsonl', links: 'links.json', process: 'process.json' } as const;

export interface ProcessFiles {
  readonly dir: string;
  /** the node's listeners that write the files */
  readonly listeners: Required<Pick<LiveNodeOptions, 'onMeasured' | 'onDone'>>;
  /** Writes process.json (how the process ended) and closes peers.jsonl; safe to call twice. */
  finish(end: 'done' | 'stopped'): void;
}

/**
 * Makes `dir` ready: a new run's must be new or empty (--force: this process's files there are
 * replaced); a rejoining process's is kept, its peers.jsonl cut to the rounds before the one it rejoins at.
 */
export function openProcessFiles(dir: string, record: ProcessRecord, opts: { rejoin?: boolean; force?: boolean }): ProcessFiles {
  const existing = (() => {
    try {
      return lstatSync(dir);
    } catch {
      return undefined;
    }
  })();
  let path: string;
  if (opts.rejoin && existing) {
    if (!existing.isDirectory()) throw new UsageError(`--out: ${dir} is not a directory (a symbolic link or a file); name the directory this process wrote before it was lost`);
    path = dir;
  } else {
    path = prepareOutDir(planOutDir(dir, { force: opts.force })).dir;
    // planOutDir's --force replaces the run files; links.json and process.json are this process's too
    for (const name of [PROCESS_FILES.links, PROCESS_FILES.process]) remove(join(path, name));
  }
  const file = (name: string) => join(path, name);
  let peers = opts.rejoin ? undefined : create(file(PROCESS_FILES.peers));
  let finished = false;
  const write = (fd: number, text: string) => {
    try {
      writeSync(fd, text);
    } catch (e) {
      throw new PlexusError(`cannot write ${file(PROCESS_FILES.peers)}: ${reason(e)}`);
    }
  };
  const onMeasured = async (m: MeasuredRound) => {
    // a rejoining process appends from the first round it takes part in
    peers ??= reopen(file(PROCESS_FILES.peers), m.round);
    const line = await record.measured(m);
    if (line) write(peers, json(line) + '\n');
  };
  const onDone: ProcessFiles['listeners']['onDone'] = ({ links, roundsSeconds }) => {
    const rows = record.done(links, roundsSeconds);
    replace(file(PROCESS_FILES.links), json({ process: record.account().process, roundsSeconds, links: rows }, 2) + '\n');
  };
  return {
    dir: path,
    listeners: { onMeasured, onDone },
    finish(end) {
      if (finished) return;
      finished = true;
      if (peers !== undefined) closeSync(peers);
      replace(file(PROCESS_FILES.process), json({ ...record.account(), end }, 2) + '\n');
    },
  };
}

function create(path: string): number {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  } catch (e) {
    throw new UsageError(`--out: cannot create ${path}: ${reason(e)}`);
  }
}

function reopen(path: string, from: number): number {
  try {
    return keepRoundsBefore(path, from);
  } catch (e) {
    throw new PlexusError(`cannot reopen ${path} to append from round ${from}: ${reason(e)}`);
  }
}

/** A whole file written beside and renamed over the old one, never through a link. */
function replace(path: string, text: string): void {
  try {
    writeFileAtomic(path, text);
  } catch (e) {
    throw new PlexusError(`cannot write ${path}: ${reason(e)}`);
  }
}

function remove(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`--out: cannot replace ${path}: ${reason(e)}`);
  }
}

/**
 * For a live run that never started: removes `root`/K of processes 0..count-1 where they hold no
 * more than an empty peers.jsonl, then `root` if empty. Anything else is left where it is.
 */
export function removeUnusedProcessDirs(root: string, count: number): void {
  const quietly = (f: () => void) => {
    try {
      f();
    } catch {
      // not ours to remove, or already gone
    }
  };
  for (let k = 0; k < count; k++) {
    const peers = join(root, String(k), PROCESS_FILES.peers);
    quietly(() => lstatSync(peers).isFile() && lstatSync(peers).size === 0 && unlinkSync(peers));
    quietly(() => rmdirSync(join(root, String(k))));
  }
  quietly(() => rmdirSync(root));
}
