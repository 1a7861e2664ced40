// `plexus live` as a user runs it: P `plexus node` processes on loopback over js-libp2p and the
// observer write a run directory whose metrics.jsonl and peers.jsonl are the simulator's (wall clock aside).
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineCount, plexus, shellStatus, start, tempDir, until, writeConfig } from '../cli/helpers.js';
import { handRun } from './keys-helpers.js';

const built = existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'live-command.js'));
if (!built) console.warn('live-cli tests skipped: dist/ has no live command; run `npm run build` first');

const config = `name: live-cli
seed: 5
peers: 12
rounds: 12
topology: { kind: ring, k: 2 }
data: { dataset: { kind: blobs, classes: 4, features: 8, trainSize: 2400, testSize: 400 }, examplesPerPeer: 100 }
model: { kind: mlp, hidden: [8] }
train: { lr: 0.1, batchSize: 16 }
eval: { every: 4, testExamples: 400 }
`;

/** A file's JSON lines without their wall-clock fields. */
function lines(dir: string, file: string): unknown[] {
  return readFileSync(join(dir, file), 'utf8').trim().split('\n').map((l) => {
    const { roundSeconds: _s, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  });
}

async function simulated(dir: string, cfg: string): Promise<string> {
  const out = join(dir, 'sim');
  const r = await plexus(['run', cfg, '--out', out, '--workers', '0', '-q']);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

function expectSameRun(live: string, sim: string): void {
  expect(lines(live, 'metrics.jsonl')).toEqual(lines(sim, 'metrics.jsonl'));
  expect(readFileSync(join(live, 'peers.jsonl'), 'utf8')).toBe(readFileSync(join(sim, 'peers.jsonl'), 'utf8'));
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

describe.skipIf(!built)('plexus live', () => {
  it('writes the simulator metrics and peers lines from two libp2p processes on loopback', async () => {
    const dir = tempDir('plexus-live-');
    const cfg = writeConfig(dir, 'live.yaml', config);
    const out = join(dir, 'live');
    const r = await plexus(['live', cfg, '--processes', '2', '--out', out, '-q'], { timeout: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expectSameRun(out, await simulated(dir, cfg));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.live.processes).toBe(2);
    expect(summary.live.transport).toBe('libp2p');
    expect(summary.live.slices).toEqual([[0, 6], [6, 12]]);
    const link = summary.live.links.find((l: { from: number; to: number }) => l.from === 0 && l.to === 1);
    expect(link.bytesSent).toBeGreaterThan(0);
    expect(link.rttMs).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/live: 2 processes over libp2p/);
  }, 60_000);

  it('runs with processes started by hand and an observer that joins them through a bootstrap file', async () => {
    const dir = tempDir('plexus-live-join-');
    const cfg = writeConfig(dir, 'live.yaml', config);
    const ports = [await freePort(), await freePort(), await freePort()];
    // each member's key and the run secret made up front, the bootstrap lines binding each index to its key
    const { bootstrap, credentials } = await handRun(dir, ports);
    const nodes = [0, 1].map((k) => start(['node', cfg, '--index', String(k), '--processes', '2', '--slice', k === 0 ? '0..6' : '6..12', '--listen', `/ip4/127.0.0.1/tcp/${ports[k]}`, '--bootstrap', bootstrap, ...credentials(k)]));
    const out = join(dir, 'live');
    const r = await plexus(['live', cfg, '--processes', '2', '--join', bootstrap, '--listen', `/ip4/127.0.0.1/tcp/${ports[2]}`, ...credentials(2), '--out', out, '-q'], { timeout: 60_000 });
    const exits = await Promise.all(nodes.map((n) => n.exited));
    expect(r.code, r.stderr + nodes.map((n) => n.stderr()).join('\n')).toBe(0);
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    expectSameRun(out, await simulated(dir, cfg));
  }, 60_000);

  it('stops the processes at Ctrl-C and ends the run directory with aborted: true', async () => {
    const dir = tempDir('plexus-live-int-');
    const cfg = writeConfig(dir, 'long.yaml', config.replace('rounds: 12', 'rounds: 100000'));
    const out = join(dir, 'live');
    const run = start(['live', cfg, '--processes', '2', '--out', out, '-q']);
    await until(() => lineCount(join(out, 'metrics.jsonl')) >= 20, 30_000, '20 rounds', run);
    run.child.kill('SIGINT');
    const exit = await run.exited;
    expect(shellStatus(exit), run.stderr()).toBe(130);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.aborted).toBe(true);
    expect(summary.rounds).toBe(lineCount(join(out, 'metrics.jsonl')));
    expect(run.stderr()).toMatch(/stopped by the observer/);
  }, 60_000);

  it('runs CHOCO-SGD with top-k compression: the boundary peers\' compressed updates cross, the run is the simulator\'s', async () => {
    const dir = tempDir('plexus-live-choco-');
    const cfg = writeConfig(dir, 'choco.yaml', config.replace('rounds: 12', 'rounds: 6') + 'protocol: { kind: choco, compression: { kind: top-k, fraction: 0.25 }, gamma: 0.5 }\n');
    const out = join(dir, 'live');
    const r = await plexus(['live', cfg, '--processes', '2', '--out', out, '-q'], { timeout: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expectSameRun(out, await simulated(dir, cfg));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.live.transport).toBe('libp2p');
  }, 60_000);

  it('refuses what it does not run yet (attacks), saying what to do, before starting anything', async () => {
    const dir = tempDir('plexus-live-bad-');
    const cfg = writeConfig(dir, 'attacked.yaml', config + 'adversaries: { peers: [0, 6], attack: { kind: alie } }\n');
    const r = await plexus(['live', cfg, '--processes', '2', '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/adversaries: attacks do not run live yet; run them in the simulator/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('refuses a --slice that is not the process\'s own', async () => {
    const dir = tempDir('plexus-node-bad-');
    const cfg = writeConfig(dir, 'live.yaml', config);
    const r = await plexus(['node', cfg, '--index', '1', '--processes', '2', '--slice', '0..6', '--bootstrap', join(dir, 'none.txt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--slice: process 1 of 2 hosts peers 6\.\.12 \(of 12\), not 0\.\.6/);
  });
});
