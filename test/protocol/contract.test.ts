// One contract suite over every synchronous protocol and schedule (pure gossip: lr 0, independent
// initial parameters): what each must conserve, and that its peers reach consensus.
import { describe, expect, it } from 'vitest';
import { gossipConfig, meanRow, norm, runWithParams, spread } from './helpers.js';

interface Case {
  name: string;
  over: Record<string, unknown>;
  /** what is conserved: the plain mean, the push-sum weighted mean, or nothing (local) */
  conserves: 'mean' | 'weighted-mean' | 'rows';
  /** rounds within which the consensus distance falls below 1e-6 of its start */
  converges?: number;
}

const cases: Case[] = [
  { name: 'dpsgd on a static ring', over: { protocol: 'dpsgd', topology: { kind: 'ring', k: 1 } }, conserves: 'mean', converges: 400 },
  { name: 'dpsgd with random matchings', over: { protocol: 'dpsgd', topology: { kind: 'complete', schedule: 'random-matching' } }, conserves: 'mean', converges: 120 },
  { name: 'dpsgd on one-peer exponential graphs', over: { protocol: 'dpsgd', topology: { kind: 'directed-exponential', schedule: 'one-peer-exponential' } }, conserves: 'mean', converges: 4 },
  { name: 'dpsgd on resampled Erdos-Renyi graphs', over: { protocol: 'dpsgd', topology: { kind: 'erdos-renyi', p: 0.3, schedule: { kind: 'resample', every: 3 } } }, conserves: 'mean', converges: 60 },
  { name: 'push-sum on a directed ring', over: { protocol: 'push-sum', topology: 'directed-ring' }, conserves: 'weighted-mean', converges: 400 },
  { name: 'push-sum on one-peer exponential graphs', over: { protocol: 'push-sum', topology: { kind: 'directed-exponential', schedule: 'one-peer-exponential' } }, conserves: 'weighted-mean', converges: 4 },
  { name: 'choco without compression', over: { protocol: { kind: 'choco' }, topology: { kind: 'ring', k: 2 } }, conserves: 'mean', converges: 200 },
  { name: 'choco with top-10%', over: { protocol: { kind: 'choco', compression: { kind: 'top-k', fraction: 0.1 }, gamma: 0.3 }, topology: { kind: 'ring', k: 2 } }, conserves: 'mean', converges: 400 },
  { name: 'choco with random-10%', over: { protocol: { kind: 'choco', compression: { kind: 'random-k', fraction: 0.1 }, gamma: 0.1 }, topology: { kind: 'ring', k: 2 } }, conserves: 'mean', converges: 1500 },
  { name: 'choco with qsgd 16 levels', over: { protocol: { kind: 'choco', compression: { kind: 'qsgd', levels: 16 }, gamma: 0.5 }, topology: { kind: 'ring', k: 2 } }, conserves: 'mean', converges: 300 },
  { name: 'fedavg', over: { protocol: 'fedavg' }, conserves: 'mean', converges: 1 },
  { name: 'local', over: { protocol: 'local' }, conserves: 'rows' },
];

describe('protocol contract (pure gossip)', () => {
  for (const c of cases) {
    it(`${c.name}: conserves the ${c.conserves}${c.converges ? ` and reaches consensus within ${c.converges} rounds` : ''}`, async () => {
      const rounds = c.converges ?? 10;
      const run = await runWithParams(gossipConfig({ ...c.over, rounds }));
      const s0 = spread(run.initial);
      if (c.conserves === 'rows') {
        run.final.forEach((r, i) => expect(norm(r, run.initial[i])).toBe(0));
        return;
      }
      const mean = c.conserves === 'weighted-mean' ? meanRow(run.final, run.weights) : meanRow(run.final);
      expect(norm(mean, meanRow(run.initial)) / s0).toBeLessThan(1e-5);
      const d = run.rounds.map((r) => r.consensusDistance);
      const start = s0 * s0;
      expect(d.at(-1)!).toBeLessThan(1e-6 * start);
    }, 60_000);
  }
});

describe('the protocol registry', () => {
  it('has a contract case for every synchronous protocol it lists', async () => {
    const { protocols } = await import('../../src/protocol/index.js');
    const covered = new Set(cases.map((c) => {
      const p = c.over.protocol;
      return typeof p === 'string' ? p : (p as { kind: string }).kind;
    }));
    for (const d of protocols) if (d.needs.time === 'sync') expect(covered, `no contract case for ${d.kind}`).toContain(d.kind);
  });

  it('gives every module a schema of its own kind, a summary and a byte count', async () => {
    const { protocols } = await import('../../src/protocol/index.js');
    for (const d of protocols) {
      const spec = d.schema.parse({ kind: d.kind });
      expect(spec.kind).toBe(d.kind);
      expect(d.summary.length).toBeGreaterThan(10);
      const bytes = (d.messageBytes as (s: unknown, dim: number) => number)(spec, 1000);
      expect(bytes).toBeGreaterThanOrEqual(d.kind === 'local' ? 0 : 1);
      for (const op of Object.keys(('rowOps' in d && d.rowOps) || {})) expect(typeof (d as { rowOps: Record<string, unknown> }).rowOps[op]).toBe('function');
    }
  });
});
