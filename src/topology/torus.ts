// A 2-D grid with wraparound, 4 neighbours per peer. Peer (r, c) has id r*cols + c.
// With rows or cols of 1 or 2 the up/down (left/right) neighbours coincide or are the
// peer itself; those collapse (dedup) or are dropped, so degrees there are below 4.
import type { Topology } from '../types.js';
import { checkInt } from './check.js';
import { EdgeBuffer, fromEdgeBuffer } from './csr.js';
import { z } from 'zod';
import { int } from '../config/kinds.js';
import { fail } from './check.js';
import { defineTopology } from './descriptor.js';
import { scheduleField } from './schedule/index.js';

export function torus(rows: number, cols: number): Topology {
  checkInt('rows', rows, 1, Number.MAX_SAFE_INTEGER, 'a torus');
  checkInt('cols', cols, 1, Number.MAX_SAFE_INTEGER, 'a torus');
  const n = rows * cols;
  const buf = new EdgeBuffer(2 * n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const right = r * cols + ((c + 1) % cols);
      const down = ((r + 1) % rows) * cols + c;
      if (right !== i) buf.push(i, right);
      if (down !== i) buf.push(i, down);
    }
  }
  return fromEdgeBuffer(n, buf, false);
}

const mismatch = (rows: number, cols: number, n: number) => `torus rows x cols must equal peers (${rows} x ${cols} = ${rows * cols}, peers = ${n})`;

export const torusTopology = defineTopology({
  kind: 'torus',
  schema: z.object({ kind: z.literal('torus'), rows: int(1), cols: int(1), ...scheduleField }).strict(),
  summary: '2-D grid with wraparound, 4 neighbours per peer',
  build: (s, n) => {
    if (s.rows * s.cols !== n) fail('', mismatch(s.rows, s.cols, n));
    return torus(s.rows, s.cols);
  },
  check: (s, n) => (s.rows * s.cols !== n ? [`topology: ${mismatch(s.rows, s.cols, n)}`] : []),
  estimateLinks: (_s, n) => 4 * n,
  maxDegree: () => 4,
});
