// Peer 0 is the hub linked to everyone; the others only talk through it.
import type { Topology } from '../types.js';
import { checkPeers } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';

export function star(n: number): Topology {
  checkPeers(n, 2, 'a star');
  const buf = new EdgeBuffer(n);
  for (let i = 1; i < n; i++) buf.push(0, i);
  return fromEdgeBuffer(n, buf, false);
}
