// Checks of a built graph that protocols share, beyond what the config alone can show (edge-list
// files are read at set-up). Messages follow the config style: "path: what is wrong; what is allowed".
import type { Topology } from '../types.js';

/** Problems of spreading values over the static graph `t` by pushing along out-edges. */
export function sinksAndReach(t: Topology, who: string): string[] {
  const out: string[] = [];
  const sinks: number[] = [];
  for (let i = 0; i < t.n; i++) if (t.offsets[i + 1] === t.offsets[i]) sinks.push(i);
  if (sinks.length > 0) {
    const list = sinks.slice(0, 5).join(', ') + (sinks.length > 5 ? `, ... (${sinks.length} in all)` : '');
    out.push(`topology: peer${sinks.length > 1 ? 's' : ''} ${list} ha${sinks.length > 1 ? 've' : 's'} no out-neighbour, so ${who} cannot spread their values; give every peer at least one outgoing edge`);
    return out;
  }
  const unreached = firstUnreachable(t);
  if (unreached) {
    out.push(`topology: the graph is not strongly connected (peer ${unreached[0]} cannot reach peer ${unreached[1]}); ${who} reaches the average only on strongly connected graphs`);
  }
  return out;
}

/** A pair (a, b) with no directed path a -> b, or undefined if the graph is strongly connected. */
function firstUnreachable(t: Topology): [number, number] | undefined {
  if (t.n <= 1) return undefined;
  const forward = reach(t.n, (i, visit) => {
    for (let k = t.offsets[i]; k < t.offsets[i + 1]; k++) visit(t.neighbors[k]);
  });
  const miss = forward.indexOf(0);
  if (miss >= 0) return [0, miss];
  // reverse reachability: who can reach 0
  const rev: number[][] = Array.from({ length: t.n }, () => []);
  for (let i = 0; i < t.n; i++) for (let k = t.offsets[i]; k < t.offsets[i + 1]; k++) rev[t.neighbors[k]].push(i);
  const backward = reach(t.n, (i, visit) => rev[i].forEach(visit));
  const cannot = backward.indexOf(0);
  return cannot >= 0 ? [cannot, 0] : undefined;
}

function reach(n: number, each: (i: number, visit: (j: number) => void) => void): Uint8Array {
  const seen = new Uint8Array(n);
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const i = stack.pop()!;
    each(i, (j) => {
      if (!seen[j]) {
        seen[j] = 1;
        stack.push(j);
      }
    });
  }
  return seen;
}
