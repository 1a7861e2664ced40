// A view bound beyond loopback: said loudly, and still answering only the names it serves.
import { hostname, networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_HOSTS_ENV, runVizCommand, startVizServer, type VizHandle } from '../../src/cli/viz.js';
import { allowedHostNames, hostHeaderName } from '../../viz/server/host-check.js';
import { writeSyntheticRun } from '../../viz/server/synthetic-run.js';
import { fakePage, rawRequest, tempDir } from './helpers.js';

let pageDir: string;
let runDir: string;

beforeAll(async () => {
  pageDir = await fakePage();
  runDir = await tempDir('run');
  await writeSyntheticRun({ dir: runDir, peers: 6, rounds: 1, seed: 2 });
});

const status = (url: string, host: string) => rawRequest(url, '/api/topology', { headers: { Host: host } }).then((r) => r.status);

describe('a view bound to 0.0.0.0', () => {
  let viz: VizHandle;
  const warnings: string[] = [];
  let url: string;

  beforeAll(async () => {
    process.env[ALLOWED_HOSTS_ENV] = 'from-env.example, ';
    try {
      viz = await startVizServer({ runDir, host: '0.0.0.0', port: 0, pageDir, allowedHosts: ['viz.example'], warn: (l) => warnings.push(l) });
    } finally {
      delete process.env[ALLOWED_HOSTS_ENV];
    }
    url = viz.url.replace('localhost', '127.0.0.1');
  });
  afterAll(() => viz.close());

  it('warns once, on stderr, that it is reachable from the network and unauthenticated', () => {
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/bound to 0\.0\.0\.0:\d+, so it is reachable from the network and unauthenticated/);
    expect(warnings[0]).toContain('--host 127.0.0.1');
  });

  it('still refuses a Host it does not serve (DNS rebinding)', async () => {
    expect(await status(url, 'attacker.example')).toBe(403);
    expect(await status(url, 'attacker.example:80')).toBe(403);
    expect(await status(url, '0.0.0.0')).toBe(403);
  });

  it("answers loopback, this machine's name and addresses, and the names added by option and environment", async () => {
    const port = new URL(url).port;
    const names = ['localhost', `127.0.0.1:${port}`, '[::1]', hostname(), `${hostname().toUpperCase()}.:${port}`, 'viz.example', 'from-env.example'];
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') names.push(`${a.address}:${port}`);
    for (const name of names) expect(await status(url, name), name).toBe(200);
  });
});

describe('host names', () => {
  it('reads a Host header down to its name', () => {
    expect(hostHeaderName('Example.COM:8080')).toBe('example.com');
    expect(hostHeaderName('[::1]:7311')).toBe('[::1]');
    expect(hostHeaderName('[FE80::1]')).toBe('[fe80::1]');
    expect(hostHeaderName('plexus.lan.')).toBe('plexus.lan');
    expect(hostHeaderName(undefined)).toBe('');
  });

  it("adds the machine's names only for a network bind", () => {
    expect(allowedHostNames('127.0.0.1')).toEqual(new Set(['localhost', '127.0.0.1', '[::1]']));
    const wide = allowedHostNames('0.0.0.0', ['Alias.Example', 'fd00::7']);
    expect(wide.has(hostname().toLowerCase())).toBe(true);
    expect(wide.has('alias.example')).toBe(true);
    expect(wide.has('[fd00::7]')).toBe(true);
    expect(wide.has('0.0.0.0')).toBe(false);
  });
});

describe('plexus viz --host', () => {
  it('prints the network warning with a non-loopback bind, and none on loopback', async () => {
    const run = async (host: string) => {
      const err: string[] = [];
      const code = await runVizCommand(runDir, { host, port: 0, pageDir }, { out: () => {}, err: (l) => err.push(l), until: Promise.resolve() });
      expect(code).toBe(0);
      return err;
    };
    expect((await run('0.0.0.0')).join('\n')).toMatch(/reachable from the network and unauthenticated/);
    expect(await run('127.0.0.1')).toEqual([]);
  });
});
