// The one-way ring i -> i+1 (mod n): the sparsest strongly connected digraph.
import type { Topology } from '../types.js';
import { checkPeers } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';

export function directedRing(n: number): Topology {
  checkPeers(n, 2, 'a directed ring');
  const buf = new EdgeBuffer(n);
  for (let i = 0; i < n; i++) buf.push(i, (i + 1) % n);
  return fromEdgeBuffer(n, buf, true);
}
