// A topology read from an edge-list file: one `u v` pair of 0-based peer ids per line.
// `#` starts a comment, blank lines are skipped, repeated edges (and, for undirected
// graphs, both directions of one edge) collapse into one. Self loops are rejected.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { TopologyError } from '../errors.js';
import { fileKind, lstatIfExists, readRegularText } from '../safe-file.js';
import type { Topology } from '../types.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

/** 256 MiB of 'u v' lines is tens of millions of edges, past what a simulation on one machine holds. */
export const MAX_EDGE_LIST_BYTES = 256 * 2 ** 20;

export interface FileTopologyOptions {
  /** Keep each line as a one-way edge u -> v (default false: undirected). */
  readonly directed?: boolean;
}

/**
 * Reads an edge list. With n given, ids must be below n (peers without edges are allowed);
 * without it, n is one more than the largest id.
 */
export function fileTopology(path: string, n?: number, opts: FileTopologyOptions = {}): Topology {
  let text: string;
  try {
    text = readRegularText(path, { maxBytes: MAX_EDGE_LIST_BYTES, what: 'edge list' });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TopologyError(`topology.path: cannot read edge list (${why}); check the path in the config`);
  }
  return parseEdgeList(text, path, n, opts);
}

/** Parses edge-list text; `source` names the file in error messages. */
export function parseEdgeList(text: string, source: string, n?: number, opts: FileTopologyOptions = {}): Topology {
  const where = (line: number) => `topology.path: ${source} line ${line}`;
  const buf = new EdgeBuffer();
  const lines = text.split(/\r?\n/);
  let maxId = -1;
  for (let l = 0; l < lines.length; l++) {
    const hash = lines[l].indexOf('#');
    const body = (hash >= 0 ? lines[l].slice(0, hash) : lines[l]).trim();
    if (body === '') continue;
    const fields = body.split(/\s+/);
    if (fields.length !== 2) {
      throw new TopologyError(`${where(l + 1)}: expected two peer ids 'u v', got '${body}'`);
    }
    const [u, v] = fields.map((f) => parseId(f, where(l + 1)));
    if (u === v) throw new TopologyError(`${where(l + 1)}: self loop '${body}'; a peer cannot neighbour itself`);
    if (n !== undefined && Math.max(u, v) >= n) {
      throw new TopologyError(
        `${where(l + 1)}: peer id ${Math.max(u, v)} is out of range; with ${n} peers ids run from 0 to ${n - 1}`,
      );
    }
    maxId = Math.max(maxId, u, v);
    buf.push(u, v);
  }
  return fromEdgeBuffer(n ?? maxId + 1, buf, opts.directed ?? false);
}

function parseId(field: string, where: string): number {
  // digits only: rejects '-1', '1.5', '1e3', '0x10' that Number() would accept
  if (!/^\d+$/.test(field) || !Number.isSafeInteger(Number(field)) || Number(field) >= 2 ** 31) {
    throw new TopologyError(`${where}: '${field}' is not a peer id (a non-negative integer)`);
  }
  return Number(field);
}

export const fileTopologyKind = defineTopology({
  kind: 'file',
  schema: z.object({ kind: z.literal('file'), path: z.string().min(1), directed: z.boolean().default(false), ...scheduleField }).strict(),
  summary: "an edge list read from a file, one 'u v' pair per line",
  build: (s, n, _rng, opts) => {
    const path = isAbsolute(s.path) ? s.path : resolve(opts.baseDir ?? process.cwd(), s.path);
    return fileTopology(path, n, { directed: s.directed ?? false });
  },
  check: (s) => {
    let st;
    try {
      st = lstatIfExists(s.path);
    } catch (e) {
      return [`topology.path: ${(e as Error).message}`];
    }
    if (!st) return [`topology.path: file not found: ${s.path}`];
    // a link, FIFO or device is refused here rather than when it is read
    if (!st.isFile()) return [`topology.path: ${s.path} is ${fileKind(st)}, not a regular file`];
    return [];
  },
  estimateLinks: (s, n) => {
    // each line 'u v' takes at least 4 bytes and gives at most 2 links
    let size = 0;
    try {
      size = lstatIfExists(s.path)?.size ?? 0;
    } catch {
      size = 0;
    }
    return Math.min(n * (n - 1), Math.ceil(size / 2));
  },
  directed: (s) => s.directed,
  // the text and the parsed edge buffer while the graph is built
  buildBytes: (_s, links) => links * 16,
  withBaseDir: (s, baseDir) => (typeof s.path === 'string' && s.path !== '' && !isAbsolute(s.path) ? { ...s, path: resolve(baseDir, s.path) } : s),
});
