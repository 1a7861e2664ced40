import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runVizCommand, startVizServer, type VizHandle } from '../../src/cli/viz.js';
import { RunDirError } from '../../viz/server/run-dir.js';
import { safeRequestPath } from '../../viz/server/server.js';
import { writeSyntheticRun } from '../../viz/server/synthetic-run.js';
import { fakePage, rawRequest, readEvents, tempDir } from './helpers.js';

const onePeerTopology = { n: 1, directed: false, mixing: 'metropolis', spectralGap: null, slem: null, components: [1], evalPeers: [0], nodes: [{ id: 0, degree: 0, dataSize: 1, labelCounts: [1] }], edges: [] };

let pageDir: string;
let runDir: string;
let viz: VizHandle;

beforeAll(async () => {
  pageDir = await fakePage();
  runDir = await tempDir('run');
  await writeSyntheticRun({ dir: runDir, peers: 12, rounds: 3, seed: 1 });
  viz = await startVizServer({ runDir, port: 0, pageDir, pollMs: 20 });
});

afterAll(async () => {
  await viz.close();
});

describe('the viz server', () => {
  it('binds to 127.0.0.1 by default and reports its URL', () => {
    expect(viz.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('serves the built page and its assets with their content types', async () => {
    const index = await rawRequest(viz.url, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect(index.body).toContain('plexus test page');
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    const asset = await rawRequest(viz.url, '/assets/index-abc123.js?v=1');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it("serves that run's files under /api/ and nothing else of the run directory", async () => {
    const topo = await rawRequest(viz.url, '/api/topology');
    expect(topo.status).toBe(200);
    expect(JSON.parse(topo.body).n).toBe(12);
    const metrics = await rawRequest(viz.url, '/api/metrics');
    expect(metrics.body.trim().split('\n')).toHaveLength(4); // rounds 0..3
    const run = JSON.parse((await rawRequest(viz.url, '/api/run')).body);
    expect(run).toEqual({ name: runDir.split('/').pop(), finished: true });
    expect((await rawRequest(viz.url, '/topology.json')).status).toBe(404);
    expect((await rawRequest(viz.url, '/api/topology.json')).status).toBe(404);
  });

  it.each([
    '/../package.json',
    '/assets/../../package.json',
    '/assets/../index.html',
    '/api/../api/topology',
    '/%2e%2e/package.json',
    '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/..%2f..%2fetc%2fpasswd',
    '/....//....//etc/passwd',
    '//etc/passwd',
    '/assets\\..\\index.html',
    '/index.html%00.js',
  ])('refuses the traversal attempt %s with 404', async (path) => {
    const res = await rawRequest(viz.url, path);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('plexus');
  });

  it.each(['/assets/', '/assets', '/api/', '/api', '/notes.unknown-type', '/nope', '/index.htm', '/api/peers/0'])(
    'answers 404 for %s (no listings, no unknown files)',
    async (path) => {
      expect((await rawRequest(viz.url, path)).status).toBe(404);
    },
  );

  it('allows only GET and HEAD', async () => {
    const post = await rawRequest(viz.url, '/api/topology', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await rawRequest(viz.url, '/api/topology', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('refuses requests for another host name (DNS rebinding)', async () => {
    const res = await rawRequest(viz.url, '/api/topology', { headers: { Host: 'attacker.example:80' } });
    expect(res.status).toBe(403);
    const ok = await rawRequest(viz.url, '/api/topology', { headers: { Host: 'localhost' } });
    expect(ok.status).toBe(200);
  });

  it('streams the whole history and then done for a finished run', async () => {
    const events = await readEvents(viz.url, (e) => e.some((x) => x.event === 'done'));
    expect(events[0]).toMatchObject({ event: 'run', data: '{"finished":true}' });
    expect(events.filter((e) => e.event === 'metrics')).toHaveLength(4);
    const peers = events.filter((e) => e.event === 'peers').map((e) => JSON.parse(e.data));
    expect(peers.map((p) => p.round)).toEqual([0, 1, 2, 3]);
    expect(peers[0].accuracy).toHaveLength(12);
    expect(JSON.parse(events[events.length - 1].data).rounds).toBe(3);
  });
});

describe('the live stream', () => {
  it('delivers lines as they are appended, holds half-written lines, and ends with done', async () => {
    const dir = await tempDir('live');
    await writeFile(join(dir, 'topology.json'), JSON.stringify(onePeerTopology));
    const live = await startVizServer({ runDir: dir, port: 0, pageDir, pollMs: 20 });
    try {
      const seen: string[] = [];
      const done = readEvents(
        live.url,
        (e) => e.some((x) => x.event === 'done'),
        {
          onEvent: (e) => {
            seen.push(`${e.event}:${e.data}`);
          },
        },
      );
      const waitFor = async (pred: () => boolean) => {
        for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
        expect(pred()).toBe(true);
      };
      await waitFor(() => seen.includes('run:{"finished":false}'));
      await appendFile(join(dir, 'metrics.jsonl'), '{"round":1,"consensusDistance":0.5}\n');
      await waitFor(() => seen.some((s) => s.startsWith('metrics:{"round":1')));
      await appendFile(join(dir, 'peers.jsonl'), '{"round":1,"accuracy":[0.');
      await new Promise((r) => setTimeout(r, 120));
      expect(seen.some((s) => s.startsWith('peers:'))).toBe(false);
      await appendFile(join(dir, 'peers.jsonl'), '5],"loss":[1],"distance":[0],"bytesSent":[0]}\n');
      await waitFor(() => seen.includes('peers:{"round":1,"accuracy":[0.5],"loss":[1],"distance":[0],"bytesSent":[0]}'));
      await appendFile(join(dir, 'metrics.jsonl'), '{"round":2,"consensusDistance":0.25}\n');
      await writeFile(join(dir, 'summary.json'), '{\n  "rounds": 2\n}\n');
      const events = await done;
      const kinds = events.map((e) => e.event);
      expect(kinds).toEqual(['run', 'metrics', 'peers', 'metrics', 'done']);
      expect(events[4].data).toBe('{"rounds":2}');
    } finally {
      await live.close();
    }
  });

  it('resumes after Last-Event-ID instead of replaying everything', async () => {
    const all = await readEvents(viz.url, (e) => e.some((x) => x.event === 'done'));
    const cut = all.findIndex((e) => e.event === 'peers' && JSON.parse(e.data).round === 1);
    const resumed = await readEvents(viz.url, (e) => e.some((x) => x.event === 'done'), { lastEventId: all[cut].id });
    const rest = resumed.filter((e) => e.event !== 'run').map((e) => `${e.event}:${e.data}`);
    expect(rest).toEqual(all.slice(cut + 1).map((e) => `${e.event}:${e.data}`));
  });

  it('ends open streams on close, and close is safe to call twice', async () => {
    const dir = await tempDir('close');
    const s = await startVizServer({ runDir: dir, port: 0, pageDir, pollMs: 20 });
    const reading = readEvents(s.url, () => false, { timeoutMs: 5000 }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await Promise.all([s.close(), s.close()]);
    await s.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    const seen = await reading;
    expect(Array.isArray(seen)).toBe(true); // ended by the server, not by the timeout
    await expect(rawRequest(s.url, '/')).rejects.toThrow();
  });
});

describe('startVizServer and plexus viz', () => {
  const handles: VizHandle[] = [];
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close()));
  });

  it('rejects a run directory that does not exist, by class', async () => {
    await expect(startVizServer({ runDir: '/nonexistent/plexus-run', port: 0, pageDir })).rejects.toBeInstanceOf(RunDirError);
  });

  it('shows a build hint instead of a page when the page is not built', async () => {
    const h = await startVizServer({ runDir, port: 0, pageDir: join(await tempDir('empty'), 'missing') });
    handles.push(h);
    const res = await rawRequest(h.url, '/');
    expect(res.status).toBe(503);
    expect(res.body).toContain('npm run build');
  });

  it('exits 2 with a clear message for a directory that is not a run', async () => {
    const dir = await tempDir('notrun');
    await mkdir(join(dir, 'sub'));
    const err: string[] = [];
    const code = await runVizCommand(dir, { port: 0, pageDir }, { out: () => {}, err: (l) => err.push(l), until: Promise.resolve() });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/not a run directory \(no topology\.json\)/);
    const missing = await runVizCommand('/nonexistent/plexus-run', { port: 0 }, { out: () => {}, err: (l) => err.push(l), until: Promise.resolve() });
    expect(missing).toBe(2);
    expect(err.join('\n')).toMatch(/does not exist/);
  });

  it('exits 2 when the port asked for is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const err: string[] = [];
    try {
      const code = await runVizCommand(runDir, { port, pageDir }, { out: () => {}, err: (l) => err.push(l), until: Promise.resolve() });
      expect(code).toBe(2);
      expect(err.join('\n')).toBe(`plexus viz: --port: ${port} is in use; choose another or 0 for a free one`);
    } finally {
      blocker.close();
    }
  });

  it('prints the URL, serves until told to stop, then closes', async () => {
    const out: string[] = [];
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const running = runVizCommand(runDir, { port: 0, pageDir }, { out: (l) => out.push(l), err: () => {}, until });
    for (let i = 0; i < 100 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const url = /http:\/\/\S+/.exec(out[0])?.[0];
    expect(url).toBeDefined();
    expect((await rawRequest(url!, '/api/topology')).status).toBe(200);
    stop();
    expect(await running).toBe(0);
    await expect(rawRequest(url!, '/')).rejects.toThrow();
  });
});

describe('safeRequestPath', () => {
  it('keeps plain paths and drops queries', () => {
    expect(safeRequestPath('/assets/a-1.js?x=1#y')).toBe('/assets/a-1.js');
    expect(safeRequestPath('/')).toBe('/');
  });
  it('rejects anything with dots, escapes, backslashes or empty segments', () => {
    for (const p of ['/a/../b', '/%2e', '/a\\b', '//x', 'x', '', undefined, '/a\0b']) expect(safeRequestPath(p)).toBeNull();
  });
});
