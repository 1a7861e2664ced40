// Live mode lets no one in: real `plexus live` runs with a hostile client beside them (intruder.ts)
// that forges rows, reports and a stop, and says hello then hangs up, over libp2p and over the plain
// tcp transport. Each run still ends with the simulator's metrics and exit 0, and the members say
// whom they dropped before reading a frame from them.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSecretFile, type RunSecret } from '../../src/live/secret.js';
import { generateSecret } from '../../src/live/secret.js';
import { plexus, start, tempDir, until, writeConfig, type Running } from '../cli/helpers.js';
import { forgedReports, forgedRows, Libp2pIntruder, socketAttack, stopFrame, tcpFrame } from './intruder.js';
import { controlFrame } from '../../src/live/transport/frame.js';
import { secretHandshake } from '../../src/live/transport/secret-handshake.js';

const built = existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'live-command.js'));

const config = `name: live-auth
seed: 5
peers: 12
rounds: 120
topology: { kind: ring, k: 2 }
data: { dataset: { kind: blobs, classes: 4, features: 8, trainSize: 2400, testSize: 400 }, examplesPerPeer: 100 }
model: { kind: mlp, hidden: [8] }
train: { lr: 0.1, batchSize: 16 }
eval: { every: 40, testExamples: 400 }
`;

/** A file's JSON lines without their wall-clock fields. */
function lines(dir: string, file: string): unknown[] {
  return readFileSync(join(dir, file), 'utf8').trim().split('\n').map((l) => {
    const { roundSeconds: _s, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  });
}

interface Started {
  run: Running;
  /** the bootstrap file's lines: process 0, process 1, the observer */
  members: string[];
  secret: RunSecret;
}

/** Starts `plexus live` and reads what an insider of this machine could: the bootstrap file and the run secret. */
async function startRun(dir: string, cfg: string, transport: string): Promise<Started> {
  const run = start(['live', cfg, '--processes', '2', '--transport', transport, '--out', join(dir, `live-${transport}`), '-q']);
  await until(() => /bootstrap file (\S+)/.test(run.stderr()), 60_000, 'the bootstrap file', run);
  const path = /bootstrap file (\S+)/.exec(run.stderr())![1];
  const members = readFileSync(path, 'utf8').trim().split('\n');
  return { run, members, secret: readSecretFile(join(dirname(path), 'secret')) };
}

describe.skipIf(!built)('live mode against an intruder', () => {
  let dir: string;
  let cfg: string;
  let sim: string;

  beforeAll(async () => {
    dir = tempDir('plexus-live-auth-');
    cfg = writeConfig(dir, 'live.yaml', config);
    sim = join(dir, 'sim');
    const r = await plexus(['run', cfg, '--out', sim, '--workers', '0', '-q']);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('over libp2p: forged rows, reports, stop and hello-then-close change nothing; strangers are dropped before any frame', async () => {
    const { run, members, secret } = await startRun(dir, cfg, 'libp2p');
    const [node0, , observer] = members;
    const withSecret = await Libp2pIntruder.create({ protector: secretHandshake(secret.key) });
    const noSecret = await Libp2pIntruder.create();
    try {
      const outcomes = await Promise.all([
        withSecret.attack(node0, 1, [], { close: true }), // (d) hello then close
        noSecret.attack(observer, 1, [], { close: true }),
        withSecret.attack(node0, 1, [1, 2, 3, 4, 5].map((r) => forgedRows(r, 6, 5))), // (a)
        noSecret.attack(node0, 1, [1, 2, 3].map((r) => forgedRows(r, 6, 5))),
        withSecret.attack(observer, 1, [40, 80].flatMap((r) => forgedReports(r, 6))), // (b)
        withSecret.attack(node0, 1, [stopFrame()]), // (c)
        noSecret.attack(node0, 1, [stopFrame()]),
      ]);
      expect(outcomes).toEqual(Array(7).fill('refused'));
      const exit = await run.exited;
      const err = run.stderr();
      expect(exit.code, err).toBe(0);
      expect(lines(join(dir, 'live-libp2p'), 'metrics.jsonl')).toEqual(lines(sim, 'metrics.jsonl'));
      expect(err).toMatch(new RegExp(`dropped a connection from peer ${withSecret.peerId} .*not a member of this run`));
      expect(err).toMatch(/before any frame: it did not complete the handshake \(no run secret/);
      expect(err).not.toMatch(/stopped by the observer/);
    } finally {
      await Promise.all([withSecret.stop(), noSecret.stop()]);
      run.child.kill();
    }
  }, 120_000);

  it('over tcp: a socket without the run secret, with another, or with it but speaking for another index, is dropped; the run is the simulator\'s', async () => {
    const { run, members, secret } = await startRun(dir, cfg, 'tcp');
    const [node0, , observer] = members;
    try {
      const hello = (as: number) => tcpFrame(controlFrame({ hello: as }));
      const outcomes = await Promise.all([
        socketAttack(node0, [hello(1), ...[1, 2, 3, 4, 5].map((r) => tcpFrame(forgedRows(r, 6, 5)))]), // (a) no handshake
        socketAttack(observer, [hello(1), ...[40, 80].flatMap((r) => forgedReports(r, 6)).map(tcpFrame)]), // (b)
        socketAttack(node0, [hello(1), tcpFrame(stopFrame())]), // (c)
        socketAttack(node0, [hello(1)], { secret: generateSecret().key, claim: 1, server: 0 }), // another run's secret
        socketAttack(node0, [hello(0), tcpFrame(stopFrame())], { secret: secret.key, claim: 1, server: 0 }), // proves 1, speaks for 0
      ]);
      expect(outcomes).toEqual(Array(5).fill('closed by the member'));
      const exit = await run.exited;
      const err = run.stderr();
      expect(exit.code, err).toBe(0);
      expect(lines(join(dir, 'live-tcp'), 'metrics.jsonl')).toEqual(lines(sim, 'metrics.jsonl'));
      expect(err).toMatch(/before any frame: it did not open with the run's handshake/);
      expect(err).toMatch(/before any frame: it does not hold the run secret|did not prove/);
      expect(err).toMatch(/before any frame: it proved index 1 but said hello as process 0/);
      expect(err).not.toMatch(/stopped by the observer/);
    } finally {
      run.child.kill();
    }
  }, 120_000);
});
