// Checkpoints: everything a run needs to continue exactly where it stopped (parameters, optimizer
// state, every random stream's position, the async scheduler, metric state), written atomically
// into the run directory and refused when they do not belong to the config or this version.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import { RUN_FILES, type RoundMetrics } from '../run-format/index.js';
import { ConfigError } from '../errors.js';
import { decodeCheckpoint, encodeCheckpoint } from './codec.js';

/** Bumped whenever what a checkpoint holds changes meaning. */
export const CHECKPOINT_FORMAT = 1;
export const CHECKPOINT_FILE = RUN_FILES.checkpoint;

export interface EngineState {
  /** the current parameter rows, optimizer state and per-peer sampling state */
  params: Float32Array;
  optState: Float32Array;
  stepCount: Int32Array;
  rngState: Uint32Array;
  cursor: Int32Array;
  order: Int32Array;
  buffers: Record<string, Float32Array>;
  scalars: Record<string, Float64Array>;
  peerSteps: number;
  traffic: { bytes: number; perPeer: Float64Array; perLink?: Float64Array };
  /** a synchronous protocol's own state, or the async scheduler's (which holds its protocol's) */
  protocol?: unknown;
  driver?: unknown;
  trainMs: number;
  evalMs: number;
  lastEval?: RoundMetrics;
}

export interface Checkpoint {
  format: number;
  /** the Plexus version that wrote it */
  version: string;
  config: ExperimentConfig;
  /** the last round completed (and measured) */
  round: number;
  engine: EngineState;
}

/** The config without what may change on resume (the number of rounds), keys sorted. */
function comparable(c: ExperimentConfig): string {
  const { rounds: _r, ...rest } = c;
  return JSON.stringify(rest, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v);
}

/** Refuses a checkpoint of another format or version, or of a different experiment. */
export function checkCompatible(cp: Checkpoint, config: ExperimentConfig, version: string): void {
  const problems: string[] = [];
  if (cp.format !== CHECKPOINT_FORMAT) problems.push(`checkpoint: format ${cp.format} is not this Plexus's format ${CHECKPOINT_FORMAT}; rerun the experiment`);
  if (cp.version !== version) problems.push(`checkpoint: written by Plexus ${cp.version}, this is ${version}; resume with that version or rerun the experiment`);
  if (comparable(cp.config) !== comparable(config)) problems.push('checkpoint: it belongs to a different config (only `rounds` may change on resume); resume with the run\'s own config.resolved.json');
  if (cp.round > config.rounds) problems.push(`rounds: the checkpoint is at round ${cp.round}, past the ${config.rounds} rounds asked for`);
  if (problems.length > 0) throw new ConfigError(problems, 'Cannot resume');
}

/** Writes dir/checkpoint.bin atomically: a temporary file, flushed, then renamed over the old one. */
export function writeCheckpoint(dir: string, cp: Checkpoint): string {
  const path = join(dir, CHECKPOINT_FILE);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(fd, encodeCheckpoint(cp));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return path;
}

export function readCheckpoint(dir: string): Checkpoint {
  const path = join(dir, CHECKPOINT_FILE);
  let bytes: Buffer;
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      bytes = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError([`${path}: ${code === 'ENOENT' ? 'no checkpoint here; run with --checkpoint-every N (Ctrl-C also writes one)' : (e as Error).message}`], 'Cannot resume');
  }
  try {
    const cp = decodeCheckpoint(bytes) as Checkpoint;
    if (!cp || typeof cp !== 'object' || typeof cp.round !== 'number' || !cp.engine) throw new Error('missing fields');
    return cp;
  } catch (e) {
    throw new ConfigError([`${path}: not a usable checkpoint (${(e as Error).message})`], 'Cannot resume');
  }
}

export { decodeCheckpoint, encodeCheckpoint };
