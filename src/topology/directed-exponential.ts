// The exponential graph of SGP / push-sum papers (Assran et al. 2019): i -> i + 2^j (mod n)
// for j = 0..floor(log2(n-1)). Out-degree ~log2(n) with fast mixing.
import type { Topology } from '../types.js';
import { checkPeers } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';

export function directedExponential(n: number): Topology {
  checkPeers(n, 2, 'a directed exponential graph');
  const buf = new EdgeBuffer(n * Math.max(1, Math.ceil(Math.log2(n))));
  // hops 1, 2, 4, ... up to n-1 are all distinct and nonzero mod n, so no dups or self loops
  for (let i = 0; i < n; i++) {
    for (let hop = 1; hop < n; hop *= 2) buf.push(i, (i + hop) % n);
  }
  return fromEdgeBuffer(n, buf, true);
}
