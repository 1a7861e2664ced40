// The memory of a live run, as `plexus run` estimates its own (src/config/memory.ts): every
// process builds the whole world (the dataset, every peer's parameters and state), so P processes
// hold P copies; each adds the frames it may hold from the others and its send buffers, and the
// observer holds a world of its own. Refused above the limit, listing the parts.
import { ConfigError } from '../errors.js';
import type { ExperimentConfig } from '../config/schema.js';
import { estimateMemory, formatBytes, paramCount, sizeIssues, type MemoryEstimate, type MemoryLimit, type MemoryPart } from '../config/memory.js';
import { ranges } from '../engine/runtime.js';
import { queueLimit } from './frame-checks.js';

export interface LiveMemoryEstimate {
  processes: number;
  /** the largest process's (the first slice is the largest) */
  process: MemoryEstimate;
  observer: MemoryEstimate;
  /** every process and the observer on one machine */
  total: number;
}

/** One process of P (index k): the simulator's estimate of its whole world, plus the frames of the live exchange. */
export function estimateProcessMemory(c: ExperimentConfig, o: { processes: number; index: number; workers: number }): MemoryEstimate {
  const base = estimateMemory(c, { workers: o.workers });
  const slices = ranges(c.peers, o.processes);
  const rowBytes = paramCount(c) * 4;
  const [a, b] = slices[o.index];
  let held = 0;
  slices.forEach((s, q) => q !== o.index && (held += queueLimit(s, rowBytes)));
  const parts: MemoryPart[] = [
    ...base.parts,
    { what: `frames held from the other ${o.processes - 1} process(es) before they are due (at most a few rounds each)`, fields: '--processes, peers, model.hidden', bytes: held },
    { what: `the slice's rows for the consensus chain and a frame per link, ${b - a} peers x ${rowBytes.toLocaleString('en-US')} bytes x ${o.processes + 1}`, fields: '--processes, model.hidden', bytes: (b - a) * rowBytes * (o.processes + 1) },
  ];
  parts.sort((x, y) => y.bytes - x.bytes);
  return { total: parts.reduce((s, p) => s + p.bytes, 0), parts };
}

/** Every process of a live run (as large as process 0's, the largest slice) and the observer's world. */
export function estimateLiveMemory(c: ExperimentConfig, o: { processes: number; workers: number }): LiveMemoryEstimate {
  const process = estimateProcessMemory(c, { ...o, index: 0 });
  // the observer builds the same world but trains nothing: no threads
  const observer = estimateMemory(c, { workers: 0 });
  return { processes: o.processes, process, observer, total: o.processes * process.total + observer.total };
}

const top = (e: MemoryEstimate) => e.parts.slice(0, 3).map((p) => `${p.fields}: ${p.what} = ${formatBytes(p.bytes)}`).join('; ');

/** A live run (or one of its processes) would not fit: exit 2, as `plexus run`'s MemoryLimitError. */
export class LiveMemoryLimitError extends ConfigError {
  constructor(readonly needs: number, readonly limit: MemoryLimit, lines: string[]) {
    super(
      [...lines, 'fix: fewer --processes on this machine (each holds the whole dataset and every peer\'s parameters), a smaller model or dataset, fewer --workers; or, if you know it fits, raise the limit with --max-memory'],
      `Not enough memory: this needs about ${formatBytes(needs)}, more than the limit of ${formatBytes(limit.bytes)} (${limit.source})`,
    );
  }
}

function checkSizes(c: ExperimentConfig): void {
  const impossible = sizeIssues(c);
  if (impossible.length > 0) throw new ConfigError(impossible, 'Too large to run');
}

/**
 * `plexus live`: the observer and, unless the processes run elsewhere (`startsProcesses` false),
 * its P processes on this machine; throws LiveMemoryLimitError above the limit.
 */
export function checkLiveMemory(c: ExperimentConfig, o: { processes: number; workers: number; startsProcesses: boolean }, limit: MemoryLimit): LiveMemoryEstimate {
  checkSizes(c);
  const e = estimateLiveMemory(c, o);
  const needs = o.startsProcesses ? e.total : e.observer.total;
  if (needs <= limit.bytes) return e;
  const lines = o.startsProcesses
    ? [`${o.processes} processes x about ${formatBytes(e.process.total)} each = ${formatBytes(o.processes * e.process.total)} (per process: ${top(e.process)})`, `the observer: about ${formatBytes(e.observer.total)} (${top(e.observer)})`]
    : [`the observer: about ${formatBytes(e.observer.total)} (${top(e.observer)})`];
  throw new LiveMemoryLimitError(needs, limit, lines);
}

/** `plexus node`: this process's own estimate. */
export function checkNodeMemory(c: ExperimentConfig, o: { processes: number; index: number; workers: number }, limit: MemoryLimit): MemoryEstimate {
  checkSizes(c);
  const e = estimateProcessMemory(c, o);
  if (e.total > limit.bytes) throw new LiveMemoryLimitError(e.total, limit, [`process ${o.index} of ${o.processes}: ${top(e)}`]);
  return e;
}
