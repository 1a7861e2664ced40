// Writes the run directory (docs/run-format.md, src/run-format/). Every file is created new (O_EXCL) and never
// through a symbolic link (O_NOFOLLOW); lines are written synchronously, so metrics.jsonl is
// complete up to the last round at any time, even when the process is stopped at once.
import { FileAccessError, forEachLine } from '../safe-file.js';
import { closeSync, constants, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import { forEachEdge } from '../topology/csr.js';
import { RUN_FILES, type RunSummary, type SetupEvent, type TopologyFile } from '../run-format/index.js';
import { PlexusError } from '../errors.js';
import { reason } from './out-dir.js';
import { UsageError } from './options.js';

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export interface RunFiles {
  readonly dir: string;
  /** Where checkpoints go while the run goes: the run directory, or a resume's stage (resume-stage.ts). */
  readonly checkpointDir: string;
  /** Writes topology.json, then each round's lines and the summary as the engine emits them. */
  attach(engine: Engine): void;
  /** The run ended cleanly (done, or stopped by a first Ctrl-C) with this summary: its files become the run's. */
  commit(summary: RunSummary): void;
  /** Closes the files (safe to call twice); what was written stays. */
  close(): void;
  /** Closes and removes every file this created: for a run that never started. */
  discard(): void;
}

function topologyHeader(e: SetupEvent): Omit<TopologyFile, 'edges'> {
  const { topology: t, partition: part, labelCounts, classes } = e;
  const nodes = [];
  for (let i = 0; i < t.n; i++) {
    nodes.push({
      id: i,
      degree: t.offsets[i + 1] - t.offsets[i],
      dataSize: part.offsets[i + 1] - part.offsets[i],
      labelCounts: Array.from(labelCounts.subarray(i * classes, (i + 1) * classes)),
      ...(e.cluster ? { cluster: e.cluster[i] } : {}),
    });
  }
  const clusters = e.config.data?.clusters;
  const plasticity = e.config.plasticity?.rule;
  return {
    n: t.n, directed: t.directed, mixing: t.directed ? 'column-stochastic' : e.config.mixing, spectralGap: e.spectralGap, slem: e.slem,
    components: e.components, evalPeers: e.evalPeers, nodes,
    ...(clusters ? { clusters: { count: clusters.count, transform: clusters.transform } } : {}), ...(plasticity ? { plasticity } : {}),
  };
}

function forEachTopologyEdge(e: SetupEvent, f: (edge: [number, number, number]) => void): void {
  const { topology: t, mixing: w } = e;
  forEachEdge(t, (i, j) => f([i, j, weightOf(w, t.directed ? j : i, t.directed ? i : j)]));
}

/** The content of topology.json (the writer streams the same text, edge by edge). */
export function topologyJson(e: SetupEvent): TopologyFile {
  const edges: [number, number, number][] = [];
  forEachTopologyEdge(e, (edge) => edges.push(edge));
  return { ...topologyHeader(e), edges };
}

/** Binary search in the row (rows are sorted), a scan if it misses: dense graphs have long rows. */
function weightOf(w: SetupEvent['mixing'], row: number, col: number): number {
  let lo = w.offsets[row];
  let hi = w.offsets[row + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (w.cols[mid] === col) return w.weights[mid];
    if (w.cols[mid] < col) lo = mid + 1;
    else hi = mid - 1;
  }
  for (let k = w.offsets[row]; k < w.offsets[row + 1]; k++) if (w.cols[k] === col) return w.weights[k];
  return 0;
}

/** Non-finite numbers become null so every line stays valid JSON: the one formatting of every run file (a live process's own files too). */
export function json(o: unknown, indent?: number): string {
  return JSON.stringify(o, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), indent);
}

/** Creates the run files in `dir` (which exists) and writes config.resolved.json; UsageError if it cannot. */
export function openRunFiles(dir: string, config: ExperimentConfig): RunFiles {
  const created: string[] = [];
  const fds = new Map<string, number>();
  const create = (name: string): number => {
    const path = join(dir, name);
    let fd: number;
    try {
      fd = openSync(path, CREATE_NEW, 0o644);
    } catch (e) {
      throw new UsageError(`--out: cannot create ${path}: ${reason(e)}`);
    }
    created.push(path);
    return fd;
  };
  const write = (name: string, fd: number, text: string) => {
    try {
      writeSync(fd, text);
    } catch (e) {
      throw new PlexusError(`cannot write ${join(dir, name)}: ${reason(e)}`);
    }
  };
  const close = () => {
    for (const fd of fds.values()) closeSync(fd);
    fds.clear();
  };
  const discard = () => {
    close();
    for (const p of created.splice(0)) {
      try {
        unlinkSync(p);
      } catch {
        // already gone
      }
    }
  };
  try {
    const cfg = create(RUN_FILES.config);
    fds.set(RUN_FILES.config, cfg);
    write(RUN_FILES.config, cfg, JSON.stringify(config, null, 2) + '\n');
    closeSync(cfg);
    fds.delete(RUN_FILES.config);
    for (const name of [RUN_FILES.topology, RUN_FILES.metrics, RUN_FILES.peers]) fds.set(name, create(name));
  } catch (e) {
    discard();
    throw e;
  }
  return {
    dir,
    checkpointDir: dir,
    commit: () => {},
    attach(engine) {
      // written before the first round, so a viewer can draw the graph while the run starts
      const fd = fds.get(RUN_FILES.topology)!;
      writeTopology(engine.setupInfo(), (s) => write(RUN_FILES.topology, fd, s));
      closeSync(fd);
      fds.delete(RUN_FILES.topology);
      attachLines(engine, fds, write, create);
    },
    close,
    discard,
  };
}

/** Each round's lines and, at the end, summary.json, as the engine emits them. */
export function attachLines(engine: Engine, fds: Map<string, number>, write: (name: string, fd: number, text: string) => void, create: (name: string) => number): void {
  const line = (name: string, o: unknown) => {
    const fd = fds.get(name);
    if (fd !== undefined) write(name, fd, json(o) + '\n');
  };
  engine.on('round', (m) => line(RUN_FILES.metrics, m));
  engine.on('peers', (p) => line(RUN_FILES.peers, p));
  engine.on('end', (s) => {
    const fd = create(RUN_FILES.summary);
    try {
      write(RUN_FILES.summary, fd, json(s, 2) + '\n');
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * Keeps the complete lines of rounds before `from` in the JSON-lines file at `path` (rewritten
 * atomically; a missing file is created empty) and opens it to append. Never through a symbolic
 * link. For a live process rejoining (process-files.ts); `plexus resume` stages instead (resume-stage.ts).
 */
export function keepRoundsBefore(path: string, from: number): number {
  const kept: string[] = [];
  try {
    // a regular file only, line by line (a run's lines may be far larger than one string allows)
    forEachLine(path, (l) => {
      try {
        if ((JSON.parse(l) as { round: number }).round < from) kept.push(l);
      } catch {
        // a torn last line from a hard stop
      }
    }, { maxBytes: 2 ** 42, maxLineLength: 2 ** 26, what: 'run lines' });
  } catch (e) {
    if (!(e instanceof FileAccessError && e.code === 'ENOENT')) throw e;
  }
  const tmp = `${path}.resume-tmp`;
  const out = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  writeSync(out, kept.map((l) => l + '\n').join(''));
  closeSync(out);
  renameSync(tmp, path);
  return openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
}

/** topology.json in pieces: a complete graph has n^2 / 2 edges, too many for one string. */
export function writeTopology(e: SetupEvent, out: (s: string) => void): void {
  out(json(topologyHeader(e)).slice(0, -1) + ',"edges":[');
  let chunk: string[] = [];
  let first = true;
  const flush = () => {
    if (chunk.length === 0) return;
    out((first ? '' : ',') + chunk.join(','));
    first = false;
    chunk = [];
  };
  forEachTopologyEdge(e, (edge) => {
    chunk.push(json(edge));
    if (chunk.length === 65536) flush();
  });
  flush();
  out(']}\n');
}
