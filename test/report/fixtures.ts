// Tiny synthetic run directories with known numbers, written as `plexus run` would (docs/run-format.md).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'plexus-report-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const baseConfig = {
  name: 'tiny',
  seed: 1,
  peers: 4,
  rounds: 4,
  topology: { kind: 'ring', k: 1 },
  train: { lr: 0.1 },
  time: { mode: 'sync' },
  eval: { every: 2 },
};

export interface FakeRun {
  seed: number;
  config?: Record<string, unknown>;
  /** accuracy on rounds 2 and 4 (the evaluation rounds) */
  accuracy: [number, number];
  /** consensus distance on rounds 1..4 */
  consensus: [number, number, number, number];
  summary?: Record<string, unknown> | null;
  /** metrics.jsonl text after the four lines, e.g. a cut-off line */
  tail?: string;
}

/** Writes a finished 4-round run: bytesSent 100 per round, roundSeconds 0.5. */
export function writeRun(dir: string, run: FakeRun): string {
  mkdirSync(dir, { recursive: true });
  const config = { ...baseConfig, ...run.config, seed: run.seed };
  writeFileSync(join(dir, 'config.resolved.json'), JSON.stringify(config, null, 2));
  const lines = [1, 2, 3, 4].map((round) => ({
    round,
    consensusDistance: run.consensus[round - 1],
    bytesSent: 100 * round,
    roundSeconds: 0.5,
    ...(round % 2 === 0 ? { meanAccuracy: run.accuracy[round / 2 - 1], minAccuracy: 0, maxAccuracy: 1, meanLoss: 1 } : {}),
  }));
  writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n' + (run.tail ?? ''));
  if (run.summary !== null) {
    const summary = {
      config,
      finalMeanAccuracy: run.accuracy[1],
      finalMinAccuracy: 0,
      finalConsensusDistance: run.consensus[3],
      bytesSent: 400,
      wallSeconds: 2,
      peerStepsPerSecond: 8,
      rounds: 4,
      aborted: false,
      ...run.summary,
    };
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
  }
  return dir;
}

/** Three seeds of the ring (accuracy 0.5/0.6/0.7 then 0.8/0.85/0.9) and two of a torus. */
export function writeThreeAndTwo(root: string): { ring: string[]; torus: string[] } {
  const ring = [
    writeRun(join(root, 'ring-s1'), { seed: 1, accuracy: [0.5, 0.8], consensus: [1, 0.1, 0.01, 0.001], summary: { wallSeconds: 2 } }),
    writeRun(join(root, 'ring-s2'), { seed: 2, accuracy: [0.6, 0.85], consensus: [2, 0.2, 0.02, 0.002], summary: { wallSeconds: 3 } }),
    writeRun(join(root, 'ring-s3'), { seed: 3, accuracy: [0.7, 0.9], consensus: [3, 0.3, 0.03, 0.003], summary: { wallSeconds: 7 } }),
  ];
  const torus = { topology: { kind: 'torus', rows: 2, cols: 2 }, name: 'tiny-torus' };
  const tor = [
    writeRun(join(root, 'torus-s1'), { seed: 1, config: torus, accuracy: [0.6, 0.9], consensus: [1, 0.5, 0.25, 0.125] }),
    writeRun(join(root, 'torus-s2'), { seed: 2, config: torus, accuracy: [0.7, 0.95], consensus: [1, 0.5, 0.25, 0.125] }),
  ];
  return { ring, torus: tor };
}
