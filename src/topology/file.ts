// A topology read from an edge-list file: one `u v` pair of 0-based peer ids per line.
// `#` starts a comment, blank lines are skipped, repeated edges (and, for undirected
// graphs, both directions of one edge) collapse into one. Self loops are rejected.
import { TopologyError } from '../errors.js';
import { readRegularText } from '../safe-file.js';
import type { Topology } from '../types.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';

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
