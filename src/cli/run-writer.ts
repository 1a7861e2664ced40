// Listens to engine events and writes the run directory (docs/run-format.md, src/run-format/).
// Lines are written synchronously, so metrics.jsonl is complete up to the last round at any time.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine/engine.js';
import { forEachEdge } from '../topology/csr.js';
import { RUN_FILES, type SetupEvent, type TopologyFile } from '../run-format/index.js';

export interface RunWriter {
  readonly dir: string;
  close(): void;
}

export function topologyJson(e: SetupEvent): TopologyFile {
  const { topology: t, mixing: w, partition: part, labelCounts, classes } = e;
  const nodes = [];
  for (let i = 0; i < t.n; i++) {
    nodes.push({
      id: i,
      degree: t.offsets[i + 1] - t.offsets[i],
      dataSize: part.offsets[i + 1] - part.offsets[i],
      labelCounts: Array.from(labelCounts.subarray(i * classes, (i + 1) * classes)),
    });
  }
  const edges: [number, number, number][] = [];
  forEachEdge(t, (i, j) => edges.push([i, j, weightOf(w, t.directed ? j : i, t.directed ? i : j)]));
  return {
    n: t.n, directed: t.directed, mixing: t.directed ? 'column-stochastic' : e.config.mixing, spectralGap: e.spectralGap, slem: e.slem,
    components: e.components, evalPeers: e.evalPeers, nodes, edges,
  };
}

function weightOf(w: SetupEvent['mixing'], row: number, col: number): number {
  for (let k = w.offsets[row]; k < w.offsets[row + 1]; k++) if (w.cols[k] === col) return w.weights[k];
  return 0;
}

/** Non-finite numbers become null so every line stays valid JSON. */
function line(o: unknown): string {
  return JSON.stringify(o, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n';
}

export function attachRunWriter(engine: Engine, dir: string): RunWriter {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, RUN_FILES.config), JSON.stringify(engine.world.config, null, 2) + '\n');
  const metrics = openSync(join(dir, RUN_FILES.metrics), 'w');
  const peers = openSync(join(dir, RUN_FILES.peers), 'w');
  let open = true;
  // written before the first round, so a viewer can draw the graph while the run starts
  writeFileSync(join(dir, RUN_FILES.topology), line(topologyJson(engine.setupInfo())));
  engine.on('round', (m) => open && writeSync(metrics, line(m)));
  engine.on('peers', (p) => open && writeSync(peers, line(p)));
  engine.on('end', (s) => {
    writeFileSync(join(dir, RUN_FILES.summary), JSON.stringify(s, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  });
  return {
    dir,
    close() {
      if (!open) return;
      open = false;
      closeSync(metrics);
      closeSync(peers);
    },
  };
}
