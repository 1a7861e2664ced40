// `plexus live --out RUN`: every process started writes RUN/processes/K; their peers lines joined
// are the observer's peers.jsonl, their links its summary's rows. And a rejoining process's files.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LiveLink } from '../../src/engine/events.js';
import { createWorld } from '../../src/engine/setup.js';
import { EVAL_FIELDS } from '../../src/live/node.js';
import { joinPeerSlices, ProcessRecord, type PeerSliceLine } from '../../src/live/peer-files.js';
import { openProcessFiles, removeUnusedProcessDirs } from '../../src/cli/process-files.js';
import { json } from '../../src/cli/run-writer.js';
import { smallConfig } from '../engine/helpers.js';
import { lineCount, plexus, start, tempDir, until, writeConfig } from '../cli/helpers.js';

const built = existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'process-files.js'));
if (!built) console.warn('peer-files-cli tests skipped: dist/ has no process files; run `npm run build` first');

const config = `name: files-cli
seed: 5
peers: 12
rounds: 6
topology: { kind: ring, k: 2 }
data: { dataset: { kind: blobs, classes: 4, features: 8, trainSize: 2400, testSize: 400 }, examplesPerPeer: 100 }
model: { kind: mlp, hidden: [8] }
train: { lr: 0.1, batchSize: 16 }
eval: { every: 2, testExamples: 400, atStart: true }
`;

const read = (path: string) => readFileSync(path, 'utf8');
const sliceLines = (path: string) => read(path).trim().split('\n').map((l) => JSON.parse(l) as PeerSliceLine);

describe.skipIf(!built)('plexus live --out', () => {
  it('has each of 3 libp2p processes write its peers lines, which joined are the observer\'s peers.jsonl, and its links', async () => {
    const dir = tempDir('plexus-live-files-');
    const cfg = writeConfig(dir, 'live.yaml', config);
    const out = join(dir, 'live');
    const r = await plexus(['live', cfg, '--processes', '3', '--out', out, '-q'], { timeout: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const own = [0, 1, 2].map((k) => join(out, 'processes', String(k)));
    const lines = own.map((d) => sliceLines(join(d, 'peers.jsonl')));
    const rounds = lines[0].map((l) => l.round);
    expect(rounds).toEqual([0, 2, 4, 6]);
    const joined = rounds.map((round) => json(joinPeerSlices(lines.map((ls) => ls.find((l) => l.round === round)!))) + '\n').join('');
    expect(joined).toBe(read(join(out, 'peers.jsonl')));
    const summary = JSON.parse(read(join(out, 'summary.json'))) as { live: { links: LiveLink[]; roundsSeconds: number[] } };
    own.forEach((d, k) => {
      const links = JSON.parse(read(join(d, 'links.json'))) as { process: number; roundsSeconds: number; links: LiveLink[] };
      expect(links.process).toBe(k);
      expect(links.roundsSeconds).toBe(summary.live.roundsSeconds[k]);
      expect(links.links).toEqual(summary.live.links.filter((l) => l.from === k));
      const account = JSON.parse(read(join(d, 'process.json')));
      expect(account).toMatchObject({ process: k, processes: 3, slice: [k * 4, k * 4 + 4], firstRound: 0, lastRound: 6, end: 'done', lost: [], rejoined: [] });
    });
    expect(r.stderr).toMatch(/each process's own files: .*processes\/K\/\{peers\.jsonl,links\.json,process\.json\}/);
  }, 90_000);

  it('has a process killed and started again by --restart keep its earlier lines and append from the round it rejoined at', async () => {
    const dir = tempDir('plexus-live-files-restart-');
    const cfg = writeConfig(dir, 'restart.yaml', config.replace('rounds: 6', 'rounds: 400').replace('every: 2', 'every: 10'));
    const out = join(dir, 'live');
    const run = start(['live', cfg, '--processes', '3', '--out', out, '-q', '--restart']);
    const own = join(out, 'processes', '1');
    let pid = 0;
    await until(() => (pid = Number(/\[process 1\] peers \d+\.\.\d+, pid (\d+)/.exec(run.stderr())?.[1] ?? 0)) > 0, 30_000, 'process 1 to say its pid', run);
    await until(() => lineCount(join(own, 'peers.jsonl')) >= 3, 30_000, 'three of its lines', run);
    process.kill(pid, 'SIGKILL');
    const exit = await run.exited;
    expect(exit.code, run.stderr()).toBe(0);
    const summary = JSON.parse(read(join(out, 'summary.json'))) as { live: { rejoined: { process: number; round: number }[] } };
    const j = summary.live.rejoined[0].round;
    const rounds = sliceLines(join(own, 'peers.jsonl')).map((l) => l.round);
    // the lines before the kill, then the rejoined process's from round j on, each round once
    expect(rounds.slice(0, 3)).toEqual([0, 10, 20]);
    expect(rounds.at(-1)).toBe(400);
    expect(rounds.filter((r) => r >= j)).toEqual(Array.from({ length: (400 - Math.ceil(j / 10) * 10) / 10 + 1 }, (_, i) => Math.ceil(j / 10) * 10 + i * 10));
    expect([...rounds].sort((x, y) => x - y)).toEqual([...new Set(rounds)]);
    expect(JSON.parse(read(join(own, 'process.json')))).toMatchObject({ process: 1, firstRound: j, lastRound: 400, end: 'done' });
    // its last line is the observer's for its peers (bytesSent aside: it counts from the rejoin)
    const mine = sliceLines(join(own, 'peers.jsonl')).at(-1)!;
    const theirs = JSON.parse(read(join(out, 'peers.jsonl')).trim().split('\n').at(-1)!) as { accuracy: unknown[]; distance: unknown[]; online: boolean[] };
    expect(mine.accuracy).toEqual(theirs.accuracy.slice(4, 8));
    expect(mine.distance).toEqual(theirs.distance.slice(4, 8));
    expect(mine.online).toEqual([true, true, true, true]);
  }, 90_000);

  it('refuses a node --out directory that holds files, before building anything', async () => {
    const dir = tempDir('plexus-node-out-');
    const cfg = writeConfig(dir, 'live.yaml', config);
    const busy = join(dir, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'peers.jsonl'), '{"round":0}\n');
    const r = await plexus(['node', cfg, '--index', '0', '--processes', '2', '--bootstrap', join(dir, 'none.txt'), '--out', busy]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out: .*busy already holds an unfinished run/);
  });
});

describe('a process\'s own files', () => {
  it('of a rejoining process keep its lines of the rounds before the one it rejoins at (dropping a torn one) and append from there', async () => {
    const dir = tempDir('plexus-rejoin-files-');
    const world = createWorld(smallConfig({ peers: 4 }), 'auto');
    writeFileSync(join(dir, 'peers.jsonl'), '{"round":0,"first":2}\n{"round":5,"first":2}\n{"round":10,"first":2}\n{"round":15,"fir');
    const files = openProcessFiles(dir, new ProcessRecord(world, 2, 1, [2, 4]), { rejoin: true });
    const values = new Float64Array(2 * EVAL_FIELDS).fill(1);
    await files.listeners.onMeasured({ round: 9, live: [0, 1] });
    await files.listeners.onMeasured({ round: 10, values, live: [0, 1] });
    files.finish('stopped');
    const lines = sliceLines(join(dir, 'peers.jsonl'));
    expect(lines.map((l) => l.round)).toEqual([0, 5, 10]);
    expect(lines[2]).toMatchObject({ first: 2, distance: [1, 1], online: [true, true] });
    const account = JSON.parse(read(join(dir, 'process.json')));
    expect(account).toMatchObject({ process: 1, slice: [2, 4], firstRound: 9, lastRound: 10, end: 'stopped' });
  });

  it('of a run that never started are removed, unless they hold more than an empty peers.jsonl', () => {
    const root = join(tempDir('plexus-unused-'), 'processes');
    for (const k of [0, 1, 2]) mkdirSync(join(root, String(k)), { recursive: true });
    writeFileSync(join(root, '0', 'peers.jsonl'), '');
    writeFileSync(join(root, '2', 'peers.jsonl'), '{"round":0,"first":8}\n');
    removeUnusedProcessDirs(root, 3);
    expect(readdirSync(root)).toEqual(['2']);
    writeFileSync(join(root, '2', 'peers.jsonl'), '');
    removeUnusedProcessDirs(root, 3);
    expect(existsSync(root)).toBe(false);
  });
});
