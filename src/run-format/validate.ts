// Checks a parsed topology.json before anything trusts its sizes: `n` drives allocations in the
// server and the page, so it must be a sensible integer that matches the arrays actually present.
import { PlexusError } from '../errors.js';
import type { TopologyEdge, TopologyFile, TopologyNode } from './files.js';

/** A run file does not have the documented shape (docs/run-format.md). */
export class RunFormatError extends PlexusError {}

/** Far beyond what one machine simulates, far below what would stall a browser tab. */
export const MAX_PEERS = 100_000;
export const MAX_EDGES = 5_000_000;
export const MAX_CLASSES = 10_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isNumberOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

/** Returns `value` typed as a topology file, or throws RunFormatError naming the first problem. */
export function checkTopologyFile(value: unknown, where = 'topology.json'): TopologyFile {
  const fail = (what: string): never => {
    throw new RunFormatError(`${where}: ${what} (see docs/run-format.md)`);
  };
  if (!isObject(value)) return fail('not a JSON object');
  const { n, directed, nodes, edges } = value;
  if (!isCount(n) || n < 1 || n > MAX_PEERS) return fail(`n must be an integer from 1 to ${MAX_PEERS} (got ${String(n)})`);
  if (typeof directed !== 'boolean') return fail('directed must be true or false');
  if (!Array.isArray(nodes) || nodes.length !== n) return fail(`nodes must list all ${n} peers (it has ${Array.isArray(nodes) ? nodes.length : 'none'})`);
  if (!Array.isArray(edges)) return fail('edges must be an array');
  const maxEdges = Math.min(MAX_EDGES, n * (n - 1));
  if (edges.length > maxEdges) return fail(`${edges.length} edges is more than ${maxEdges}, the most ${n} peers can have`);
  nodes.forEach((node: unknown, i) => checkNode(node, i, fail));
  edges.forEach((edge: unknown, k) => checkEdge(edge, k, n, fail));
  for (const key of ['spectralGap', 'slem'] as const) {
    if (value[key] !== undefined && !isNumberOrNull(value[key])) fail(`${key} must be a number or null`);
  }
  for (const key of ['components', 'evalPeers'] as const) {
    const list = value[key];
    if (list !== undefined && (!Array.isArray(list) || list.length > n || !list.every(isCount))) fail(`${key} must be at most ${n} counts`);
  }
  return value as unknown as TopologyFile;
}

function checkNode(node: unknown, i: number, fail: (what: string) => never): asserts node is TopologyNode {
  if (!isObject(node) || node.id !== i) return fail(`nodes[${i}] must be the peer with id ${i}`);
  if (!isCount(node.degree) || !isCount(node.dataSize)) return fail(`nodes[${i}]: degree and dataSize must be counts`);
  const counts = node.labelCounts;
  if (!Array.isArray(counts) || counts.length > MAX_CLASSES || !counts.every(isCount)) {
    return fail(`nodes[${i}].labelCounts must be at most ${MAX_CLASSES} counts`);
  }
}

function checkEdge(edge: unknown, k: number, n: number, fail: (what: string) => never): asserts edge is TopologyEdge {
  const ok =
    Array.isArray(edge) &&
    (edge.length === 2 || edge.length === 3) &&
    Number.isSafeInteger(edge[0]) && Number.isSafeInteger(edge[1]) &&
    edge[0] >= 0 && edge[0] < n && edge[1] >= 0 && edge[1] < n &&
    (edge.length === 2 || isNumberOrNull(edge[2]));
  if (!ok) fail(`edges[${k}] must be [u, v, weight] with peers u, v below ${n}`);
}
