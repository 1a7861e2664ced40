// The edges of `plexus live` and `plexus node` as a user meets them: a bad or busy --listen, a
// run too large for the memory, Ctrl-C during set-up, the observer killed under its nodes, a
// --rejoin of a live index, a stray connection saying hello as a process then closing. Each ends
// with exit 2 and one message, or leaves the run going; never a stack trace or a hang.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, lineCount, plexus, shellStatus, start, tempDir, until, writeConfig, type Running } from '../cli/helpers.js';
import { encodeFrame, controlFrame } from '../../src/live/transport/frame.js';
import { handRun } from './keys-helpers.js';

const built = existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'live-listen.js'));
if (!built) console.warn('live-cli-errors tests skipped: dist/ is not built; run `npm run build` first');

const config = `name: live-edges
seed: 5
peers: 8
rounds: 6
topology: { kind: ring, k: 1 }
data: { dataset: { kind: blobs, classes: 3, features: 6, trainSize: 800, testSize: 200 }, examplesPerPeer: 50 }
model: { kind: logistic }
train: { batchSize: 10 }
eval: { every: 3, testExamples: 200 }
`;

const running: Running[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  for (const s of servers.splice(0)) s.close();
});

function run(args: string[]): Running {
  const r = start(args);
  running.push(r);
  return r;
}

/** A port some other program listens on. */
async function busyPort(): Promise<number> {
  const s = createServer();
  servers.push(s);
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  return (s.address() as { port: number }).port;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  const port = (s.address() as { port: number }).port;
  await new Promise((res) => s.close(res));
  return port;
}

function expectUserError(r: { code: number; stderr: string }, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/unexpected failure|\n\s+at /);
}

describe.skipIf(!built)('plexus node and plexus live at their edges', () => {
  it('refuses a --listen that is no address, for both transports and both commands (exit 2, one message)', async () => {
    const dir = tempDir('plexus-edge-listen-');
    const cfg = writeConfig(dir, 'c.yaml', config);
    const node = ['node', cfg, '--index', '0', '--processes', '2', '--bootstrap', join(dir, 'b.txt')];
    expectUserError(await plexus([...node, '--listen', 'garbage']), /--listen: "garbage" is not a multiaddr/);
    expectUserError(await plexus([...node, '--transport', 'tcp', '--listen', 'garbage']), /--listen: "garbage" is not host:port/);
    expectUserError(await plexus(['live', cfg, '--processes', '2', '--listen', '/ip4/127.0.0.1/udp/9', '--out', join(dir, 'o')]), /--listen: "\/ip4\/127\.0\.0\.1\/udp\/9" names no IP address and TCP port/);
    expect(existsSync(join(dir, 'o'))).toBe(false);
  }, 60_000);

  it('says the port is in use when it is, for both transports and both commands (exit 2)', async () => {
    const dir = tempDir('plexus-edge-busy-');
    const cfg = writeConfig(dir, 'c.yaml', config);
    const port = await busyPort();
    const node = ['node', cfg, '--index', '0', '--processes', '2', '--bootstrap', join(dir, 'b.txt')];
    expectUserError(await plexus([...node, '--listen', `/ip4/127.0.0.1/tcp/${port}`]), new RegExp(`--listen: cannot listen on /ip4/127.0.0.1/tcp/${port}: port ${port} on 127.0.0.1 is in use`));
    expectUserError(await plexus([...node, '--transport', 'tcp', '--listen', `127.0.0.1:${port}`]), /is in use/);
    expectUserError(await plexus(['live', cfg, '--processes', '2', '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--out', join(dir, 'o')]), /is in use/);
    expectUserError(await plexus(['live', cfg, '--processes', '2', '--transport', 'tcp', '--listen', `127.0.0.1:${port}`, '--out', join(dir, 'o')]), /is in use/);
    expect(existsSync(join(dir, 'o'))).toBe(false);
  }, 60_000);

  it('estimates the memory of a live run per process and in total, and refuses it above --max-memory', async () => {
    const dir = tempDir('plexus-edge-mem-');
    const cfg = writeConfig(dir, 'c.yaml', config);
    const live = await plexus(['live', cfg, '--processes', '4', '--max-memory', '300M', '--out', join(dir, 'o')]);
    expectUserError(live, /Not enough memory: this needs about [\d.]+ [GM]iB, more than the limit of 300\.0 MiB \(set by --max-memory\)/);
    expect(live.stderr).toMatch(/4 processes x about [\d.]+ MiB each/);
    expect(live.stderr).toMatch(/the observer: about [\d.]+ MiB/);
    expect(live.stderr).toMatch(/runtime: Node\.js, TF\.js and kernels/);
    expect(existsSync(join(dir, 'o'))).toBe(false);
    // one process fits where four and the observer do not
    const node = await plexus(['node', cfg, '--index', '0', '--processes', '4', '--bootstrap', join(dir, 'b.txt'), '--max-memory', '100M']);
    expectUserError(node, /Not enough memory: .*limit of 100\.0 MiB[\s\S]*process 0 of 4: /);
  }, 60_000);

  it('leaves nothing behind at Ctrl-C during set-up: no out directory, no bootstrap directory, no process', async () => {
    const dir = tempDir('plexus-edge-int-');
    const tmp = tempDir('plexus-edge-tmp-');
    const cfg = writeConfig(dir, 'c.yaml', config);
    const out = join(dir, 'run');
    const child = spawn(process.execPath, [BIN, 'live', cfg, '--processes', '2', '--out', out, '-q'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
    // the processes are started once the temporary bootstrap directory exists; the run waits for their addresses
    const t0 = performance.now();
    while (readdirSync(tmp).length === 0 || !existsSync(join(out, 'processes'))) {
      if (performance.now() - t0 > 30_000) throw new Error(`set-up never started:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const bootstrapDir = join(tmp, readdirSync(tmp)[0]);
    child.kill('SIGINT');
    const exit = await exited;
    expect(shellStatus(exit), stderr).toBe(130);
    expect(existsSync(out), stderr).toBe(false);
    expect(existsSync(bootstrapDir)).toBe(false);
    const left = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes(bootstrapDir));
    expect(left).toEqual([]);
  }, 60_000);

  it('tells each node the observer went away when it is killed, with a message rather than [object Event]', async () => {
    const dir = tempDir('plexus-edge-term-');
    const cfg = writeConfig(dir, 'c.yaml', config.replace('rounds: 6', 'rounds: 100000'));
    const ports = [await freePort(), await freePort(), await freePort()];
    const { bootstrap, credentials } = await handRun(dir, ports);
    const nodes = [0, 1].map((k) => run(['node', cfg, '--index', String(k), '--processes', '2', '--listen', `/ip4/127.0.0.1/tcp/${ports[k]}`, '--bootstrap', bootstrap, ...credentials(k)]));
    const out = join(dir, 'live');
    const observer = run(['live', cfg, '--processes', '2', '--join', bootstrap, '--listen', `/ip4/127.0.0.1/tcp/${ports[2]}`, ...credentials(2), '--out', out, '-q']);
    await until(() => lineCount(join(out, 'metrics.jsonl')) >= 5, 60_000, '5 rounds', observer);
    observer.child.kill('SIGTERM');
    const exits = await Promise.all(nodes.map((n) => n.exited));
    for (const [k, n] of nodes.entries()) {
      expect(exits[k].code, n.stderr()).toBe(1);
      expect(n.stderr()).toMatch(/lost the connection to the observer/);
      expect(n.stderr()).not.toMatch(/object Event|unexpected failure/);
    }
  }, 90_000);

  it('refuses --rejoin with the index of a live process (exit 2), and that process keeps running', async () => {
    const dir = tempDir('plexus-edge-rejoin-');
    const cfg = writeConfig(dir, 'c.yaml', config.replace('rounds: 6', 'rounds: 100000'));
    const out = join(dir, 'live');
    const live = run(['live', cfg, '--processes', '2', '--out', out, '-q', '--timeout', '1000']);
    await until(() => /bootstrap file (\S+)/.test(live.stderr()) && lineCount(join(out, 'metrics.jsonl')) >= 3, 60_000, 'the run', live);
    const bootstrap = /bootstrap file (\S+)/.exec(live.stderr())![1];
    // process 1's own key and the run secret (a second copy of it started by mistake, or its key stolen)
    const credentials = ['--key', join(dirname(bootstrap), 'key-1'), '--secret', join(dirname(bootstrap), 'secret')];
    const r = await plexus(['node', cfg, '--index', '1', '--processes', '2', '--bootstrap', bootstrap, ...credentials, '--rejoin', '--timeout', '1000']);
    expectUserError(r, /--rejoin: the observer did not take process 1 back within 5 s: process 1 is live \(only a lost process's index rejoins\)/);
    const before = lineCount(join(out, 'metrics.jsonl'));
    await until(() => lineCount(join(out, 'metrics.jsonl')) >= before + 5, 60_000, 'rounds after the refused rejoin', live);
    live.child.kill('SIGINT');
    const exit = await live.exited;
    expect(shellStatus(exit), live.stderr()).toBe(130);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.aborted).toBe(true);
    // every round had both processes: the metrics count who is online only after a loss
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).not.toMatch(/processesOnline/);
    expect(live.stderr()).toMatch(/a process asked to rejoin as process 1, which is live: refused/);
    expect(live.stderr()).not.toMatch(/process 1 \(peers 4\.\.7\) lost/);
  }, 120_000);

  it('is not hung by a connection that says hello as process 1 and closes before the run starts', async () => {
    const dir = tempDir('plexus-edge-hello-');
    const cfg = writeConfig(dir, 'c.yaml', config);
    const ports = [await freePort(), await freePort(), await freePort()];
    const bootstrap = join(dir, 'bootstrap.txt');
    const lines = ports.map((p) => `127.0.0.1:${p}`);
    // incomplete: the nodes listen and wait for the observer's line
    writeFileSync(bootstrap, lines.slice(0, 2).join('\n') + '\n');
    const nodes = [0, 1].map((k) => run(['node', cfg, '--index', String(k), '--processes', '2', '--transport', 'tcp', '--listen', lines[k], '--bootstrap', bootstrap]));
    await until(() => nodes.every((n) => /listening on/.test(n.stderr())), 30_000, 'the nodes listening');
    // a plain socket to node 0: a hello as process 1 (u32 length prefix, then the frame), then gone
    const hello = encodeFrame(controlFrame({ hello: 1 }));
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(hello.byteLength);
    await new Promise<void>((res, rej) => {
      const s = connect(ports[0], '127.0.0.1', () => s.end(Buffer.concat([prefix, hello]), () => res()));
      s.on('error', rej);
    });
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(bootstrap, lines.join('\n') + '\n');
    const out = join(dir, 'live');
    const r = await plexus(['live', cfg, '--processes', '2', '--transport', 'tcp', '--join', bootstrap, '--listen', lines[2], '--out', out, '-q'], { timeout: 60_000 });
    const exits = await Promise.all(nodes.map((n) => n.exited));
    expect(r.code, r.stderr + nodes.map((n) => n.stderr()).join('\n')).toBe(0);
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    expect(lineCount(join(out, 'metrics.jsonl'))).toBe(6);
  }, 90_000);
});
