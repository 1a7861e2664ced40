// A run directory is data from anywhere: its links are not followed and its sizes are checked
// before anything is allocated, on the server and in the page.
import { copyFile, mkdir, readFile, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runVizCommand, startVizServer, type VizHandle } from '../../src/cli/viz.js';
import { checkTopologyFile, MAX_PEERS, RUN_FILES, RunFormatError } from '../../src/run-format/index.js';
import { checkRunDir, RunDirError } from '../../viz/server/run-dir.js';
import { writeSyntheticRun } from '../../viz/server/synthetic-run.js';
import { fakePage, rawRequest, readEvents, tempDir } from './helpers.js';

// the page imports the run format through a Vite alias
vi.mock('@plexus/run-format', () => import('../../src/run-format/browser.js'));
const { waitForTopology } = await import('../../viz/page/src/api.js');

const SECRET = 'root:x:0:0:SECRET';
let pageDir: string;
let goodRun: string;
let secret: string;
const handles: VizHandle[] = [];

beforeAll(async () => {
  pageDir = await fakePage();
  goodRun = await tempDir('good');
  await writeSyntheticRun({ dir: goodRun, peers: 5, rounds: 2, seed: 3 });
  secret = join(await tempDir('secret'), 'passwd');
  await writeFile(secret, SECRET + '\n');
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.close()));
});

async function serve(runDir: string, opts: { runDirLater?: boolean; maxLineBytes?: number } = {}) {
  const warnings: string[] = [];
  const h = await startVizServer({ runDir, port: 0, pageDir, pollMs: 20, warn: (l) => warnings.push(l), ...opts });
  handles.push(h);
  return { url: h.url, warnings };
}

/** A copy of the good run with `file` replaced by a link to the secret. */
async function runWithLink(file: keyof typeof RUN_FILES): Promise<string> {
  const dir = await tempDir(`link-${file}`);
  for (const name of Object.values(RUN_FILES).filter((f) => f !== RUN_FILES.checkpoint)) await copyFile(join(goodRun, name), join(dir, name));
  await unlink(join(dir, RUN_FILES[file]));
  await symlink(secret, join(dir, RUN_FILES[file]));
  return dir;
}

describe('symbolic links in a run directory', () => {
  it.each(['metrics', 'peers', 'config', 'summary'] as const)('are not followed for %s', async (file) => {
    const { url, warnings } = await serve(await runWithLink(file));
    const api = await rawRequest(url, `/api/${file}`);
    expect(api.status).toBe(403);
    expect(api.body).not.toContain('SECRET');
    expect(warnings.join('\n')).toMatch(/refusing to follow the symbolic link .*passwd|symbolic link/);
    const events = await readEvents(url, (e) => e.some((x) => x.event === 'done' || x.event === 'error'));
    expect(events.map((e) => e.data).join('\n')).not.toContain('SECRET');
    if (file === 'summary') expect(JSON.parse((await rawRequest(url, '/api/run')).body).finished).toBe(false);
    else if (file !== 'config') expect(events.at(-1)?.event).toBe('error');
  });

  it('are not followed for topology.json, at start-up or when served', async () => {
    const dir = await runWithLink('topology');
    await expect(checkRunDir(dir, { requireTopology: true })).rejects.toThrow(/refusing to follow the symbolic link/);
    const { url } = await serve(dir);
    const res = await rawRequest(url, '/api/topology');
    expect(res.status).toBe(422);
    expect(res.body).not.toContain('SECRET');
  });

  it('are not followed for the page files either, even if swapped in after start-up', async () => {
    const page = await fakePage();
    const h = await startVizServer({ runDir: goodRun, port: 0, pageDir: page, warn: () => {} });
    handles.push(h);
    await unlink(join(page, 'index.html'));
    await symlink(secret, join(page, 'index.html'));
    const res = await rawRequest(h.url, '/index.html');
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('SECRET');
  });

  it('may lead to the run directory itself (the user named it)', async () => {
    const link = join(await tempDir('dirlink'), 'latest');
    await symlink(goodRun, link);
    const { url } = await serve(link);
    expect((await rawRequest(url, '/api/topology')).status).toBe(200);
  });
});

const topology = (over: Record<string, unknown>) => ({
  n: 2,
  directed: false,
  mixing: 'metropolis',
  spectralGap: 0.5,
  slem: 0.5,
  components: [2],
  evalPeers: [0, 1],
  nodes: [0, 1].map((id) => ({ id, degree: 1, dataSize: 3, labelCounts: [1, 2] })),
  edges: [[0, 1, 0.5]],
  ...over,
});

describe('checkTopologyFile', () => {
  it('accepts what the writer writes', () => {
    expect(checkTopologyFile(topology({})).n).toBe(2);
    expect(checkTopologyFile(topology({ spectralGap: null, edges: [[1, 0]] })).edges).toHaveLength(1);
  });

  it.each([
    ['n: 1e8 with nothing behind it', { n: 1e8, nodes: [], edges: [] }, /n must be an integer from 1 to 100000 \(got 100000000\)/],
    ['n above the limit even with its nodes', { n: MAX_PEERS + 1 }, /n must be an integer/],
    ['a fractional n', { n: 2.5 }, /n must be an integer/],
    ['n as a string', { n: '2' }, /n must be an integer/],
    ['fewer nodes than n', { n: 3 }, /nodes must list all 3 peers \(it has 2\)/],
    ['a node out of place', { nodes: [1, 0].map((id) => ({ id, degree: 1, dataSize: 3, labelCounts: [] })) }, /nodes\[0\] must be the peer with id 0/],
    ['negative label counts', { nodes: [0, 1].map((id) => ({ id, degree: 1, dataSize: 3, labelCounts: [-1] })) }, /labelCounts/],
    ['an edge to a peer that does not exist', { edges: [[0, 7, 1]] }, /edges\[0\] must be \[u, v, weight\] with peers u, v below 2/],
    ['more edges than n peers can have', { edges: [[0, 1], [1, 0], [0, 1]] }, /3 edges is more than 2/],
    ['edges that are not an array', { edges: {} }, /edges must be an array/],
  ])('rejects %s, by class and with the reason', (_title, over, reason) => {
    let err: unknown;
    try {
      checkTopologyFile(topology(over as Record<string, unknown>));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunFormatError);
    expect((err as Error).message).toMatch(reason);
  });
});

describe('a topology.json that claims more than it holds', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('huge-n');
    await writeFile(join(dir, RUN_FILES.topology), JSON.stringify(topology({ n: 1e8, nodes: [], edges: [] })));
  });

  it('makes `plexus viz` exit 2 and say why', async () => {
    const err: string[] = [];
    const code = await runVizCommand(dir, { port: 0, pageDir }, { out: () => {}, err: (l) => err.push(l), until: Promise.resolve() });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/^plexus viz: .*topology\.json: n must be an integer from 1 to 100000/);
    await expect(checkRunDir(dir, { requireTopology: true })).rejects.toBeInstanceOf(RunDirError);
  });

  it('is answered 422 with the reason by a server that follows a run, and 503 while half-written', async () => {
    const { url } = await serve(dir, { runDirLater: true });
    const res = await rawRequest(url, '/api/topology');
    expect(res.status).toBe(422);
    expect(res.body).toMatch(/n must be an integer/);
    const half = await tempDir('half');
    await writeFile(join(half, RUN_FILES.topology), JSON.stringify(topology({})).slice(0, 40));
    expect((await rawRequest((await serve(half, { runDirLater: true })).url, '/api/topology')).status).toBe(503);
  });

  it('is refused by the page before it allocates anything, even if served as 200', async () => {
    const body = await readFile(join(dir, RUN_FILES.topology), 'utf8');
    vi.stubGlobal('fetch', async () => new Response(body, { status: 200 }));
    try {
      await expect(waitForTopology(() => {})).rejects.toThrow(/n must be an integer from 1 to 100000/);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('stops the page waiting when the server answers 422', async () => {
    vi.stubGlobal('fetch', async () => new Response('topology.json: n must be an integer', { status: 422 }));
    try {
      await expect(waitForTopology(() => {})).rejects.toBeInstanceOf(RunFormatError);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('over-long lines in the live stream', () => {
  it('are skipped with a warning event, and the lines after them still arrive', async () => {
    const dir = await tempDir('long-lines');
    await writeFile(join(dir, RUN_FILES.topology), JSON.stringify(topology({})));
    await writeFile(join(dir, RUN_FILES.metrics), `{"round":1,"consensusDistance":1}\n{"round":2,"pad":"${'x'.repeat(5000)}"}\n{"round":3,"consensusDistance":0.5}\n`);
    await writeFile(join(dir, RUN_FILES.summary), '{"rounds":3}');
    const { url, warnings } = await serve(dir, { maxLineBytes: 1000 });
    const events = await readEvents(url, (e) => e.some((x) => x.event === 'done'));
    expect(events.filter((e) => e.event === 'metrics').map((e) => JSON.parse(e.data).round)).toEqual([1, 3]);
    const warning = events.find((e) => e.event === 'warning');
    expect(JSON.parse(warning!.data)).toEqual({ file: 'metrics.jsonl', message: 'skipped 1 line(s) longer than 1000 bytes' });
    expect(warnings.join('\n')).toMatch(/metrics\.jsonl: skipped 1 line/);
  });
});

describe('a run directory that does not exist yet (plexus run --viz)', () => {
  it('is served empty until the run creates it', async () => {
    const parent = await tempDir('later');
    const dir = join(parent, 'run');
    const { url } = await serve(dir, { runDirLater: true });
    expect((await rawRequest(url, '/api/topology')).status).toBe(404);
    await mkdir(dir);
    await writeFile(join(dir, RUN_FILES.topology), JSON.stringify(topology({})));
    expect((await rawRequest(url, '/api/topology')).status).toBe(200);
  });
});
