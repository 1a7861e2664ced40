// Checkpoints: everything a run needs to continue exactly where it stopped (parameters, optimizer
// state, every random stream's position, the async scheduler, metric state), written atomically
// and read back only when every byte checks out: its checksum, its sizes, and that it belongs to
// the config and this version.
import { closeSync, fsyncSync, openSync, renameSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import { resolveConfig } from '../config/resolve.js';
import { modelSpecOf } from '../config/model-spec.js';
import { createLayout } from '../model/layout.js';
import { RUN_FILES, type RoundMetrics } from '../run-format/index.js';
import { ConfigError } from '../errors.js';
import { FileAccessError, formatBytes, openRegularFile, readExactly, removeIfThere } from '../safe-file.js';
import { VERSION } from '../version.js';
import type { PluginRecord } from '../config/plugins.js';
import { attachArrays, CheckpointFormatError, decodeCheckpoint, encodeCheckpoint, parseHeader, PREAMBLE_BYTES, readPreamble, verifyDigest, verifyDigestStreaming } from './codec.js';
import { checkpointProblems } from './validate.js';

/** Bumped whenever what a checkpoint holds changes meaning (the byte layout has its own number, in codec.ts). */
export const CHECKPOINT_FORMAT = 1;
export const CHECKPOINT_FILE = RUN_FILES.checkpoint;
/** A header larger than this is not one Plexus wrote (the arrays are outside it). */
const MAX_HEADER_BYTES = 256 * 1024 * 1024;

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
  /** the plug-ins the run loaded, each file with the sha256 of its bytes (absent: none) */
  plugins?: PluginRecord[];
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
  if (!cp.config || typeof cp.config !== 'object' || comparable(cp.config) !== comparable(config)) problems.push('checkpoint: it belongs to a different config (only `rounds` may change on resume); resume with the run\'s own config.resolved.json');
  if (cp.round > config.rounds) problems.push(`rounds: the checkpoint is at round ${cp.round}, past the ${config.rounds} rounds asked for`);
  if (problems.length > 0) throw new ConfigError(problems, 'Cannot resume');
}

/** Writes dir/checkpoint.bin atomically: a temporary file, flushed, then renamed over the old one. */
export function writeCheckpoint(dir: string, cp: Checkpoint): string {
  const path = join(dir, CHECKPOINT_FILE);
  const tmp = `${path}.tmp`;
  removeIfThere(tmp); // a link left there is removed, never written through
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    const bytes = encodeCheckpoint(cp);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return path;
}

export interface ReadCheckpointOptions {
  /** the config it must belong to (resume: the run's own); absent: its own, validated */
  config?: ExperimentConfig;
  /** what the caller is doing, heading every error ("Cannot resume", "Cannot export"); default "Cannot read the checkpoint" */
  heading?: string;
}

/**
 * Reads dir/checkpoint.bin, checked before it is used: a regular file (no link, FIFO or device),
 * its header's sizes against the config before the arrays are read, its checksum, and every array's
 * type and length. ConfigError (exit 2) naming the file otherwise.
 */
export function readCheckpoint(dir: string, opts: ReadCheckpointOptions = {}): Checkpoint {
  const path = join(dir, CHECKPOINT_FILE);
  const heading = opts.heading ?? 'Cannot read the checkpoint';
  const refuse = (why: string): never => {
    throw new ConfigError([`${path}: ${why}`], heading);
  };
  let file;
  try {
    file = openRegularFile(path, { what: 'checkpoint' });
  } catch (e) {
    if (e instanceof FileAccessError && e.code === 'ENOENT') refuse('no checkpoint here; run with --checkpoint-every N (Ctrl-C also writes one)');
    throw new ConfigError([(e as Error).message], heading);
  }
  try {
    const pre = readExactly(file, 0, Math.min(file.size, PREAMBLE_BYTES), 'checkpoint');
    const { headerBytes, bodyStart } = readPreamble(pre, file.size);
    if (headerBytes > MAX_HEADER_BYTES) refuse(`its header claims ${formatBytes(headerBytes)}, more than a checkpoint's header holds; the file is not one Plexus wrote`);
    if (opts.config) {
      // the run's config bounds the file: within it, the checksum comes first, so any damage is
      // reported as such (a chunk at a time; nothing is kept)
      const limit = PREAMBLE_BYTES + MAX_HEADER_BYTES + bodyLimit(opts.config);
      if (file.size > limit) refuse(`${formatBytes(file.size)}, more than the ${formatBytes(limit)} a checkpoint of this run's config can take`);
      verifyDigestStreaming(pre, file.size, (at, n) => readExactly(file, at, n, 'checkpoint'));
    }
    const text = readExactly(file, PREAMBLE_BYTES, headerBytes, 'checkpoint').toString('utf8');
    const { value, bodyEnd } = parseHeader(text, file.size - bodyStart);
    if (bodyStart + bodyEnd !== file.size) refuse(`${file.size} bytes, its header describes ${bodyStart + bodyEnd}; the file is cut short or has bytes added`);
    const cp = value as Checkpoint;
    if (!cp || typeof cp !== 'object') refuse('its header is not an object');
    const config = opts.config ?? ownConfig(cp, refuse);
    if (opts.config) checkCompatible(cp, opts.config, VERSION);
    const problems = checkpointProblems(cp, config);
    if (problems.length > 0) throw new ConfigError(problems.map((p) => `${path}: ${p}`), heading);
    const limit = bodyLimit(config);
    if (bodyEnd > limit) refuse(`its arrays take ${formatBytes(bodyEnd)}, more than the ${formatBytes(limit)} a checkpoint of this config can hold`);
    // every size is now known to fit the config: the body is read, and only then trusted by its checksum
    const whole = readExactly(file, 0, file.size, 'checkpoint');
    verifyDigest(whole);
    return attachArrays(value, whole.subarray(bodyStart)) as Checkpoint;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    if (e instanceof CheckpointFormatError || e instanceof FileAccessError) return refuse(e.message.replace(`checkpoint ${path}: `, ''));
    throw e;
  } finally {
    closeSync(file.fd);
  }
}

/** Far above what any state of the config takes (parameters, optimizer slots, buffers, messages in flight). */
function bodyLimit(config: ExperimentConfig): number {
  const paramBytes = config.peers * createLayout(modelSpecOf(config)).total * 4;
  return Math.max(1024 ** 3, 64 * paramBytes);
}

/** The config a checkpoint carries, validated as a config file would be. */
function ownConfig(cp: Checkpoint, refuse: (why: string) => never): ExperimentConfig {
  try {
    return resolveConfig(cp.config);
  } catch (e) {
    return refuse(`the config it carries is not valid (${(e as Error).message.replace(/\n\s*/g, ' ')})`);
  }
}

export { decodeCheckpoint, encodeCheckpoint };
export { assembleCheckpoint, splitCheckpoint, CheckpointFormatError } from './codec.js';
export { checkpointProblems } from './validate.js';
