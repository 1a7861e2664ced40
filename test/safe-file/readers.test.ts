// Every reader of a file a user or another run hands to Plexus refuses a FIFO at once (a FIFO
// would block the read forever) and a file over its bound, with the error of its own layer.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/resolve.js';
import { ConfigError, TopologyError } from '../../src/errors.js';
import { loadRuns } from '../../src/report/load-runs.js';
import { ReportInputError } from '../../src/report/errors.js';
import { FileAccessError, forEachLine } from '../../src/safe-file.js';
import { loadSweepFile } from '../../src/sweep/spec.js';
import { inspectRunDir } from '../../src/sweep/run-state.js';
import { readSummary } from '../../src/sweep/outcome.js';
import { fileTopology } from '../../src/topology/file.js';
import { writeRun } from '../report/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'plexus-readers-'));

function fifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** A finished report fixture run whose file `name` is replaced by a FIFO. */
function runWithFifo(name: string, tag = ''): string {
  const dir = writeRun(join(root, `fifo-${name}${tag}`), { seed: 1, accuracy: [0.5, 0.8], consensus: [1, 0.1, 0.01, 0.001] });
  execFileSync('rm', [join(dir, name)]);
  fifo(join(dir, name));
  return dir;
}

describe('readers refuse FIFOs at once', { timeout: 10_000 }, () => {
  it('a config file', () => {
    const e = thrown(() => loadConfigFile(fifo(join(root, 'config.yaml'))));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/config\.yaml: is a FIFO \(named pipe\), not a regular file/);
  });

  it('a sweep file', () => {
    const e = thrown(() => loadSweepFile(fifo(join(root, 'sweep.yaml'))));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/sweep\.yaml: a FIFO \(named pipe\), not a regular file/);
  });

  it('an edge list', () => {
    const e = thrown(() => fileTopology(fifo(join(root, 'edges.txt')), 4));
    expect(e).toBeInstanceOf(TopologyError);
    expect(e.message).toMatch(/edges\.txt: a FIFO \(named pipe\), not a regular file/);
  });

  for (const name of ['config.resolved.json', 'metrics.jsonl', 'summary.json']) {
    it(`the report, for a run whose ${name} is a FIFO`, () => {
      const dir = runWithFifo(name);
      const e = thrown(() => loadRuns([dir], () => {}));
      expect(e).toBeInstanceOf(ReportInputError);
      expect(e.message).toContain(`${join(dir, name)}: a FIFO (named pipe), not a regular file`);
    });
  }

  it('the report, for a sweep directory whose sweep.jsonl is a FIFO', () => {
    const dir = join(root, 'fifo-sweep');
    mkdirSync(dir);
    fifo(join(dir, 'sweep.jsonl'));
    const e = thrown(() => loadRuns([dir], () => {}));
    expect(e).toBeInstanceOf(ReportInputError);
    expect(e.message).toMatch(/sweep\.jsonl: a FIFO/);
  });

  it('a sweep run again over a run whose summary.json or config.resolved.json is a FIFO: left alone as foreign', () => {
    for (const name of ['summary.json', 'config.resolved.json']) {
      const dir = runWithFifo(name, '-sweep');
      if (name === 'config.resolved.json') writeFileSync(join(dir, 'summary.json'), JSON.stringify({ aborted: false, rounds: 4 }));
      expect(inspectRunDir(dir, {})).toEqual({ kind: 'foreign', why: expect.stringMatching(new RegExp(`holds run file .*${name.replace('.', '\\.')}: a FIFO`)) });
    }
    expect(readSummary(join(root, 'fifo-summary.json-sweep'))).toBeUndefined();
  });

  it('a sweep run again over a summary.json holding null or garbage: redone, not trusted', () => {
    for (const [tag, text] of [['null', 'null'], ['garbage', 'garbage{']]) {
      const dir = writeRun(join(root, `sweep-${tag}`), { seed: 1, accuracy: [0.5, 0.8], consensus: [1, 0.1, 0.01, 0.001] });
      writeFileSync(join(dir, 'summary.json'), text);
      expect(inspectRunDir(dir, {}).kind).toBe('redo');
      expect(readSummary(dir)).toBeUndefined();
    }
  });
});

describe('forEachLine', () => {
  it('gives every line, the last without its newline, and refuses a line over the bound', () => {
    const path = join(root, 'lines.txt');
    writeFileSync(path, 'a\n\nbb\nccc');
    const seen: [string, number][] = [];
    forEachLine(path, (t, n) => seen.push([t, n]), { maxBytes: 100, maxLineLength: 10 });
    expect(seen).toEqual([['a', 1], ['', 2], ['bb', 3], ['ccc', 4]]);
    writeFileSync(path, 'x'.repeat(50));
    const e = thrown(() => forEachLine(path, () => {}, { maxBytes: 100, maxLineLength: 10 }));
    expect(e).toBeInstanceOf(FileAccessError);
    expect((e as FileAccessError).code).toBe('ELINE');
    expect((thrown(() => forEachLine(path, () => {}, { maxBytes: 10, maxLineLength: 100 })) as FileAccessError).code).toBe('ETOOBIG');
  });
});
