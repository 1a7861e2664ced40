import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TopologyError } from '../../src/errors.js';
import { createRng } from '../../src/rng.js';
import { createTopology, edgeCount, fileTopology } from '../../src/topology/index.js';
import { degreesOf, edgeSet, expectValidCsr } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'plexus-topology-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function edgeFile(text: string): string {
  const path = join(dir, `edges-${count++}.txt`);
  writeFileSync(path, text);
  return path;
}

function thrown(fn: () => unknown): TopologyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TopologyError);
    return err as TopologyError;
  }
  throw new Error('expected a TopologyError');
}

describe('edge-list files', () => {
  it('skips comments and blank lines and reads u v pairs', () => {
    const path = edgeFile('# a path 0-1-2-3\n\n0 1\n  1\t2   # trailing comment\n\r\n2 3\n');
    const t = fileTopology(path, 4);
    expectValidCsr(t);
    expect(t.directed).toBe(false);
    expect(degreesOf(t)).toEqual([1, 2, 2, 1]);
  });

  it('collapses duplicate edges and both directions of one edge', () => {
    const t = fileTopology(edgeFile('0 1\n1 0\n0 1\n2 1\n'), 3);
    expect(edgeCount(t)).toBe(2);
    expectValidCsr(t);
  });

  it('keeps peers without edges when n is larger than the ids used', () => {
    const t = fileTopology(edgeFile('0 1\n'), 5);
    expect(degreesOf(t)).toEqual([1, 1, 0, 0, 0]);
  });

  it('infers n from the largest id when n is not given', () => {
    expect(fileTopology(edgeFile('0 4\n')).n).toBe(5);
  });

  it('rejects a malformed line, naming the file, the line number and the problem', () => {
    const path = edgeFile('# header\n0 1\n1 2 3\n');
    const err = thrown(() => fileTopology(path, 4));
    expect(err.message).toContain(path);
    expect(err.message).toContain('line 3');
    expect(err.message).toContain("expected two peer ids 'u v', got '1 2 3'");
  });

  it('rejects ids that are not non-negative integers', () => {
    for (const bad of ['0 x', '-1 2', '1.5 2', '1e2 3']) {
      const err = thrown(() => fileTopology(edgeFile(`0 1\n${bad}\n`), 200));
      expect(err.message).toMatch(/line 2: '.+' is not a peer id/);
    }
  });

  it('rejects a self loop with its line number', () => {
    const err = thrown(() => fileTopology(edgeFile('0 1\n\n2 2\n'), 4));
    expect(err.message).toMatch(/line 3: self loop '2 2'/);
  });

  it('rejects an id of at least n, naming the line and the valid range', () => {
    const err = thrown(() => fileTopology(edgeFile('0 1\n1 4\n'), 4));
    expect(err.message).toContain('line 2');
    expect(err.message).toContain('peer id 4 is out of range');
    expect(err.message).toContain('0 to 3');
  });

  it('reports a missing file as a TopologyError', () => {
    const err = thrown(() => fileTopology(join(dir, 'nope.txt'), 4));
    expect(err.message).toMatch(/^topology\.path: cannot read edge list/);
  });

  it('keeps edges one-way (u -> v) with the directed flag', () => {
    const path = edgeFile('0 1\n1 2\n2 0\n0 2\n');
    const t = fileTopology(path, 3, { directed: true });
    expect(t.directed).toBe(true);
    expectValidCsr(t);
    expect(edgeSet(t)).toEqual(['0-1', '0-2', '1-2', '2-0']);
  });

  it('resolves a relative path against baseDir through createTopology', () => {
    const path = edgeFile('0 1\n1 2\n');
    const name = path.slice(dir.length + 1);
    const t = createTopology({ kind: 'file', path: name, directed: true }, 3, createRng(0), { baseDir: dir });
    expect(edgeSet(t)).toEqual(['0-1', '1-2']);
  });
});
