import type { ExperimentConfig } from '../../src/config/schema.js';
import { Engine } from '../../src/engine/engine.js';
import type { RoundMetrics } from '../../src/engine/events.js';
import { smallConfig } from '../engine/helpers.js';

export { smallConfig };

/** Pure gossip (lr 0, independent initial parameters) on blobs with a logistic model: small and fast. */
export function gossipConfig(over: Record<string, unknown> = {}): ExperimentConfig {
  return smallConfig({
    peers: 16,
    rounds: 30,
    train: { lr: 0, batchSize: 16 },
    model: { kind: 'logistic', init: 'independent' },
    eval: { every: 1000, testExamples: 100 },
    ...over,
  });
}

export interface ParamRun {
  initial: Float64Array[];
  final: Float64Array[];
  weights: Float64Array;
  rounds: RoundMetrics[];
  dim: number;
}

/** Runs inline and returns every peer's parameters before and after, and the push-sum weights. */
export async function runWithParams(config: ExperimentConfig, workers = 0): Promise<ParamRun> {
  const engine = await Engine.create(config, { workers });
  const n = config.peers;
  const rows = () => Array.from({ length: n }, (_, p) => Float64Array.from(engine.peerParams(p)));
  const initial = rows();
  const rounds: RoundMetrics[] = [];
  engine.on('round', (m) => rounds.push(m));
  try {
    await engine.run();
    return { initial, final: rows(), weights: Float64Array.from(engine.world.state.scalars.weight ?? new Float64Array(n).fill(1)), rounds, dim: engine.world.state.dim };
  } finally {
    await engine.close();
  }
}

/** Column mean of rows, optionally weighted (sum_i w_i x_i / n). */
export function meanRow(rows: Float64Array[], weights?: Float64Array): Float64Array {
  const dim = rows[0].length;
  const m = new Float64Array(dim);
  rows.forEach((r, i) => {
    const w = weights ? weights[i] : 1;
    for (let c = 0; c < dim; c++) m[c] += (w * r[c]) / rows.length;
  });
  return m;
}

export function norm(a: Float64Array, b?: Float64Array): number {
  let s = 0;
  for (let c = 0; c < a.length; c++) {
    const d = a[c] - (b ? b[c] : 0);
    s += d * d;
  }
  return Math.sqrt(s);
}

/** sqrt of the mean squared distance of the rows to their mean: the spread to compare biases with. */
export function spread(rows: Float64Array[]): number {
  const m = meanRow(rows);
  return Math.sqrt(rows.reduce((s, r) => s + norm(r, m) ** 2, 0) / rows.length);
}
