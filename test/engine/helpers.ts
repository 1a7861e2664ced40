import { resolveConfig } from '../../src/config/resolve.js';
import type { ExperimentConfig } from '../../src/config/schema.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import type { PeerMetrics, RoundMetrics, RunSummary } from '../../src/engine/events.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../src/checkpoint/index.js';

/** A small, fast experiment on synthetic blobs; override any part. */
export function smallConfig(over: Record<string, unknown> = {}): ExperimentConfig {
  return resolveConfig({
    name: 'small',
    seed: 7,
    peers: 16,
    rounds: 20,
    topology: { kind: 'ring', k: 1 },
    data: { dataset: { kind: 'blobs', classes: 4, features: 8, trainSize: 4000, testSize: 500 }, examplesPerPeer: 100 },
    model: { kind: 'logistic' },
    train: { lr: 0.1, batchSize: 16 },
    eval: { every: 5, testExamples: 500 },
    ...over,
  });
}

export interface Recorded {
  rounds: RoundMetrics[];
  peers: PeerMetrics[];
  summary: RunSummary;
  engine: Engine;
}

export async function runRecorded(config: ExperimentConfig, opts: EngineOptions = { workers: 0 }): Promise<Recorded> {
  const engine = await Engine.create(config, opts);
  const rounds: RoundMetrics[] = [];
  const peers: PeerMetrics[] = [];
  engine.on('round', (m) => rounds.push(m));
  engine.on('peers', (p) => peers.push(p));
  try {
    const summary = await engine.run();
    return { rounds, peers, summary, engine };
  } finally {
    await engine.close();
  }
}

/** Metrics without wall-clock fields, for determinism comparisons. */
export function stripTimes(rounds: RoundMetrics[]): unknown[] {
  return rounds.map(({ roundSeconds: _s, ...rest }) => rest);
}

/**
 * A run's metrics lines uninterrupted, and stopped after round `stopAt` then resumed from its
 * checkpoint (through the file codec): the two are equal when resume is exact.
 */
export async function wholeAndResumed(config: ExperimentConfig, stopAt: number): Promise<{ whole: unknown[]; resumed: unknown[] }> {
  const run = async (resume?: Checkpoint, stop?: number) => {
    const engine = await Engine.create(config, { workers: 0, resume });
    const lines: RoundMetrics[] = [];
    engine.on('round', (m) => {
      lines.push({ ...m });
      if (m.round === stop) engine.abort();
    });
    try {
      await engine.run();
      return { lines, checkpoint: stop ? (decodeCheckpoint(encodeCheckpoint(engine.checkpoint())) as Checkpoint) : undefined };
    } finally {
      await engine.close();
    }
  };
  const whole = await run();
  const first = await run(undefined, stopAt);
  const second = await run(first.checkpoint);
  return { whole: stripTimes(whole.lines), resumed: stripTimes([...first.lines.filter((m) => m.round < stopAt), ...second.lines]) };
}
