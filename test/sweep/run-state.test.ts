// What a second invocation makes of a run directory: skip it only when it finished the same config.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectRunDir } from '../../src/sweep/run-state.js';

const root = mkdtempSync(join(tmpdir(), 'plexus-run-state-'));
const config = { name: 'base', seed: 1, train: { lr: 0.1, batchSize: 10 }, topology: { kind: 'ring', k: 1 } };
let n = 0;
function runDir(files: Record<string, unknown>): string {
  const dir = join(root, `run-${n++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

describe('inspectRunDir', () => {
  it('finds nothing to skip in a missing or empty directory', () => {
    expect(inspectRunDir(join(root, 'absent'), config)).toEqual({ kind: 'new' });
    expect(inspectRunDir(runDir({}), config)).toEqual({ kind: 'new' });
  });

  it('skips a finished run of the same config, whatever the order of its keys', () => {
    const reordered = { topology: { k: 1, kind: 'ring' }, train: { batchSize: 10, lr: 0.1 }, seed: 1, name: 'base' };
    const state = inspectRunDir(runDir({ 'config.resolved.json': reordered, 'summary.json': { aborted: false, rounds: 5 } }), config);
    expect(state).toMatchObject({ kind: 'finished', summary: { rounds: 5 } });
  });

  it('redoes a finished run whose config changed, saying where', () => {
    const old = { ...config, train: { lr: 0.05, batchSize: 10 } };
    expect(inspectRunDir(runDir({ 'config.resolved.json': old, 'summary.json': { aborted: false, rounds: 5 } }), config)).toEqual({
      kind: 'redo',
      why: 'its config changed since it ran (train.lr: 0.05 then, 0.1 now)',
    });
  });

  it('redoes interrupted and unfinished runs', () => {
    expect(inspectRunDir(runDir({ 'config.resolved.json': config, 'summary.json': { aborted: true, rounds: 3 } }), config)).toEqual({ kind: 'redo', why: 'interrupted after 3 rounds' });
    expect(inspectRunDir(runDir({ 'config.resolved.json': config, 'metrics.jsonl': '' }), config)).toMatchObject({ kind: 'redo', why: expect.stringMatching(/^unfinished/) });
    expect(inspectRunDir(runDir({ 'summary.json': '{ torn' }), config)).toMatchObject({ kind: 'redo' });
  });

  it('never touches what is not a run: other files, a file, a link', () => {
    expect(inspectRunDir(runDir({ 'notes.txt': 'mine' }), config)).toMatchObject({ kind: 'foreign', why: expect.stringMatching(/not a Plexus run \(notes\.txt\)/) });
    writeFileSync(join(root, 'a-file'), '');
    expect(inspectRunDir(join(root, 'a-file'), config)).toMatchObject({ kind: 'foreign' });
    symlinkSync(runDir({}), join(root, 'a-link'));
    expect(inspectRunDir(join(root, 'a-link'), config)).toEqual({ kind: 'foreign', why: 'is a symbolic link' });
  });
});
