// The run files: topology.json streamed in pieces is the same JSON as in one piece, and files
// are only ever created new, never through a link.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunFiles, topologyJson, writeTopology } from '../../src/cli/run-writer.js';
import { UsageError } from '../../src/cli/options.js';
import type { SetupEvent } from '../../src/engine/events.js';
import { complete } from '../../src/topology/complete.js';
import { metropolis } from '../../src/topology/mixing/metropolis.js';
import { tempDir } from './helpers.js';

function setup(n: number): SetupEvent {
  const topology = complete(n);
  return {
    config: { mixing: 'metropolis' }, topology, mixing: metropolis(topology),
    spectralGap: NaN, slem: NaN, spectralExact: false, components: [n],
    partition: { offsets: Int32Array.from({ length: n + 1 }, (_, i) => 2 * i), indices: new Int32Array(2 * n) },
    labelCounts: new Int32Array(n * 2).fill(1), classes: 2, params: 10, backend: 'cpu', kernel: 'simd', workers: 0,
    evalPeers: [0, 1],
  } as unknown as SetupEvent;
}

describe('topology.json', () => {
  it('streams the same text as one JSON.stringify, also past one chunk of edges', () => {
    const e = setup(400); // 79,800 edges: more than one chunk
    let text = '';
    writeTopology(e, (s) => (text += s));
    const whole = JSON.stringify(topologyJson(e), (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n';
    expect(text).toBe(whole);
    const parsed = JSON.parse(text);
    expect(parsed.edges).toHaveLength((400 * 399) / 2);
    expect(parsed.spectralGap).toBeNull();
    expect(parsed.edges[0]).toEqual([0, 1, expect.closeTo(1 / 400, 12)]);
  });
});

describe('openRunFiles', () => {
  const config = { name: 'x' } as never;

  it('writes config.resolved.json at once, and discard removes every file it made', () => {
    const d = tempDir('plexus-writer-');
    const files = openRunFiles(d, config);
    expect(JSON.parse(readFileSync(join(d, 'config.resolved.json'), 'utf8'))).toEqual({ name: 'x' });
    files.discard();
    expect(existsSync(join(d, 'config.resolved.json'))).toBe(false);
    expect(existsSync(join(d, 'metrics.jsonl'))).toBe(false);
  });

  it('refuses to write over a file or through a link, and leaves nothing half made', () => {
    const d = tempDir('plexus-writer-');
    const victim = join(d, 'victim');
    writeFileSync(victim, 'keep');
    mkdirSync(join(d, 'run'));
    symlinkSync(victim, join(d, 'run', 'peers.jsonl'));
    expect(() => openRunFiles(join(d, 'run'), config)).toThrow(UsageError);
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    expect(existsSync(join(d, 'run', 'config.resolved.json'))).toBe(false);
  });
});
