// The worker pool's failure and shutdown behaviour.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, nodeBackendInstalled } from '../../src/engine/engine.js';
import { DivergenceError, WorkerError } from '../../src/errors.js';
import { smallConfig } from './helpers.js';


const tfjsNodeInstalled = nodeBackendInstalled;

/** Resolves once `ready()` holds, however long that takes: the test's timeout bounds it, not a count of polls. */
async function waitUntil(ready: () => boolean, everyMs = 50): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, everyMs));
}

// Starting worker threads and compiling kernels takes seconds on a loaded machine: these tests
// wait on what the pool does (errors, exits, files), and the timeout is only a backstop.
describe('worker pool', { timeout: 120_000 }, () => {
  // tfjs-node breaks in several worker threads (tensorflow/tfjs#8388): the engine runs it in-process.
  it.skipIf(!tfjsNodeInstalled())('runs a tfjs kernel on the node backend in-process even when workers are asked for', async () => {
    const engine = await Engine.create(smallConfig({ rounds: 2, model: { kind: 'logistic', path: 'tfjs' } }), { workers: 2, backend: 'node' });
    try {
      expect(engine.workers).toBe(0);
      expect(engine.backend).toBe('tensorflow');
      const s = await engine.run();
      expect(s.finalMeanAccuracy).toBeGreaterThan(0);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(tfjsNodeInstalled())('falls back to the wasm backend without fuss when tfjs-node is absent', async () => {
    const engine = await Engine.create(smallConfig({ rounds: 1, model: { kind: 'logistic', path: 'tfjs' } }), { workers: 1 });
    try {
      expect(engine.backend).toBe('wasm');
      expect(engine.workers).toBe(1);
    } finally {
      await engine.close();
    }
  });

  for (const workers of [0, 2]) {
    it(`reports a failing peer and round as a WorkerError (${workers} workers) and still closes cleanly`, async () => {
      const engine = await Engine.create(smallConfig({ rounds: 5 }), { workers });
      // poison peer 5's parameters in shared memory: its first local step fails inside a worker
      const { dim } = engine.world.state;
      engine.world.state.params[0].fill(NaN, 5 * dim, 6 * dim);
      const err = await engine.run().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(WorkerError);
      const we = err as WorkerError;
      expect(we.peer).toBeTypeOf('number');
      expect(we.round).toBeTypeOf('number');
      expect(we.peer).toBe(5);
      expect(we.round).toBe(1);
      // a NaN loss is divergence, said the one way the engine says it (a WorkerError naming peer and round)
      expect(we).toBeInstanceOf(DivergenceError);
      expect(we.message).toMatch(/^training diverged at round 1: the training loss is NaN \(peer 5\)/);
      await engine.close();
      await engine.close(); // safe twice
    });
  }

  it('is sized to the requested number of workers and balances work across them', async () => {
    const engine = await Engine.create(smallConfig({ rounds: 5, peers: 32 }), { workers: 2 });
    try {
      expect(engine.workers).toBe(2);
      await engine.run();
      const busy = [...engine.busyByWorker().values()];
      expect(busy).toHaveLength(2);
      expect(Math.min(...busy)).toBeGreaterThan(0);
    } finally {
      await engine.close();
    }
  });

  const cli = join(process.cwd(), 'bin', 'plexus.js');
  const dir = mkdtempSync(join(tmpdir(), 'plexus-pool-'));

  function spawnRun(config: string, out: string, extra: string[] = []) {
    writeFileSync(join(dir, 'c.yaml'), config);
    const child = spawn(process.execPath, [cli, 'run', join(dir, 'c.yaml'), '--out', out, '--workers', '2', '--quiet', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    return { child, exited, stderr: () => stderr };
  }

  it('stops on Ctrl-C after the current round, writes its files and exits 130', async () => {
    const out = join(dir, 'sigint');
    const p = spawnRun(`peers: 16\nrounds: 100000\ndata: { dataset: { kind: blobs, classes: 3, features: 4, trainSize: 1600, testSize: 100 }, examplesPerPeer: 50 }\nmodel: { kind: logistic }\ntrain: { batchSize: 10 }\neval: { every: 1000, testExamples: 100 }\n`, out);
    // wait until rounds are being written, then interrupt
    const metrics = join(out, 'metrics.jsonl');
    await waitUntil(() => p.child.exitCode !== null || (existsSync(metrics) && readFileSync(metrics, 'utf8').length > 0));
    expect(p.child.exitCode, p.stderr()).toBeNull();
    p.child.kill('SIGINT');
    const code = await p.exited;
    expect(code).toBe(130);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.aborted).toBe(true);
    expect(summary.rounds).toBeLessThan(100000);
    expect(summary.finalMeanAccuracy).toBeGreaterThan(0);
  });
});
