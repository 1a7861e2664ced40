// The memory estimate counts what set-up allocates, and a run that would not fit is refused
// before anything is allocated, with the estimate, the limit and how to change either.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cgroupMemoryLimit, checkMemory, defaultMemoryLimit, estimateLinks, estimateMemory, formatBytes, MemoryLimitError,
  paramCount, parseSize, sizeIssues,
} from '../../src/config/memory.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';

const config = (over: Record<string, unknown> = {}) =>
  resolveConfig({
    name: 't', peers: 100, rounds: 10, topology: { kind: 'ring', k: 2 },
    data: { dataset: { kind: 'blobs', classes: 10, features: 100, trainSize: 10000, testSize: 1000 }, examplesPerPeer: 100 },
    model: { kind: 'mlp', hidden: [50] }, train: { batchSize: 10 }, eval: { testExamples: 1000 },
    ...over,
  });

const part = (c: ReturnType<typeof config>, what: RegExp, workers = 0) => estimateMemory(c, { workers }).parts.find((p) => what.test(p.what))?.bytes ?? 0;

describe('estimateMemory', () => {
  it('counts two parameter buffers of peers x params floats', () => {
    const c = config();
    expect(paramCount(c)).toBe(100 * 50 + 50 + 50 * 10 + 10);
    expect(part(c, /^peer parameters/)).toBe(2 * 100 * 5560 * 4);
  });

  it('counts the crafted messages\' extra rows: one per adversary -> honest link, in both buffers; none for label flipping', () => {
    // ring k=2: each of 3 adversaries has 4 neighbours (an upper bound: links between adversaries carry no crafted row)
    expect(part(config({ adversaries: { peers: [0, 10, 20], attack: 'alie' } }), /^crafted messages/)).toBe(2 * 3 * 4 * 5560 * 4);
    expect(part(config({ adversaries: { peers: [0, 10, 20], attack: 'label-flip' } }), /^crafted messages/)).toBe(0);
  });

  it('adds the optimizer state: none for sgd, one slot for momentum, two for adam', () => {
    expect(part(config(), /state/)).toBe(0);
    expect(part(config({ train: { batchSize: 10, optimizer: 'momentum' } }), /^momentum state/)).toBe(100 * 5560 * 4);
    expect(part(config({ train: { batchSize: 10, optimizer: 'adam' } }), /^adam state/)).toBe(2 * 100 * 5560 * 4);
  });

  it("adds choco's estimate row per peer", () => {
    expect(part(config({ protocol: 'choco' }), /^choco state/)).toBe(100 * 5560 * 4);
  });

  it('grows with the square of the peers on a complete graph', () => {
    const dense = config({ peers: 1000, data: { dataset: { kind: 'blobs', trainSize: 100000 }, examplesPerPeer: 10 }, topology: 'complete' });
    expect(estimateLinks(dense)).toBe(1000 * 999);
    // int32 neighbours, int32 columns and float64 weights per link
    expect(part(dense, /^graph/)).toBeGreaterThanOrEqual(1000 * 999 * 16);
    expect(estimateLinks(config())).toBe(2 * 2 * 100);
  });

  it('counts blobs by size, and MNIST as its fixed size', () => {
    const blobs = part(config({ data: { dataset: { kind: 'blobs', features: 1000, trainSize: 10000, testSize: 1000 }, examplesPerPeer: 100 } }), /^blobs/);
    expect(blobs).toBeGreaterThan(11000 * 1000 * 12);
    const mnist = part(config({ data: { dataset: 'mnist', examplesPerPeer: 100 } }), /^MNIST/);
    expect(mnist).toBeGreaterThan(2 * 70000 * 784 * 4);
  });

  it('adds a fixed cost per worker thread', () => {
    const c = config();
    expect(estimateMemory(c, { workers: 4 }).total - estimateMemory(c, { workers: 0 }).total).toBeGreaterThanOrEqual(4 * 50 * 2 ** 20);
  });

  it('lists the parts largest first, and they add up to the total', () => {
    const e = estimateMemory(config(), { workers: 2 });
    expect(e.parts.map((p) => p.bytes)).toEqual([...e.parts.map((p) => p.bytes)].sort((a, b) => b - a));
    expect(e.parts.reduce((s, p) => s + p.bytes, 0)).toBe(e.total);
  });
});

describe('checkMemory', () => {
  it('refuses a run over the limit with the estimate, the limit, the biggest parts and --max-memory', () => {
    const c = config({ peers: 1000, data: { dataset: { kind: 'blobs', trainSize: 100000 }, examplesPerPeer: 10 }, model: { hidden: [4096] } });
    let err: unknown;
    try {
      checkMemory(c, { workers: 0 }, { bytes: 2 ** 30, source: 'set by --max-memory' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MemoryLimitError);
    expect(err).toBeInstanceOf(ConfigError);
    const m = (err as Error).message;
    expect(m).toMatch(/^Not enough memory: this run needs about [\d.]+ GiB, more than the limit of 1\.0 GiB \(set by --max-memory\)/);
    expect(m).toMatch(/peers, model\.hidden: peer parameters, 2 copies of 1,000 peers x [\d,]+ params x 4 bytes/);
    expect(m).toMatch(/--max-memory \d+G/);
  });

  it('passes a run under the limit and returns the estimate', () => {
    expect(checkMemory(config(), { workers: 0 }, { bytes: 2 ** 40, source: 'test' }).total).toBeGreaterThan(0);
  });

  it('refuses sizes no memory can hold, whatever the limit', () => {
    const dense = config({ peers: 50000, data: { dataset: { kind: 'blobs', trainSize: 100000 }, examplesPerPeer: 2 }, topology: 'complete', train: { batchSize: 2 } });
    expect(sizeIssues(dense)[0]).toMatch(/^topology: about 2,499,950,000 links, more than the 2,147,483,647/);
    expect(() => checkMemory(dense, { workers: 0 }, { bytes: 2 ** 50, source: 'test' })).toThrow(ConfigError);
    const wide = config({ model: { hidden: [100_000_000] } });
    expect(sizeIssues(wide)[0]).toMatch(/^peers, model\.hidden: 100 peers x [\d,]+ params is more than/);
  });
});

describe('the memory limit', () => {
  it('defaults to 80% of the machine, or of the container when lower', () => {
    const limit = defaultMemoryLimit();
    expect(limit.bytes).toBeLessThanOrEqual(0.8 * totalmem());
    expect(limit.source).toMatch(/^80% of /);
  });

  it('reads a cgroup v2 or v1 limit and treats "max" as none', () => {
    const d = mkdtempSync(join(tmpdir(), 'plexus-cgroup-'));
    writeFileSync(join(d, 'v2'), '4294967296\n');
    writeFileSync(join(d, 'max'), 'max\n');
    writeFileSync(join(d, 'v1'), '9223372036854771712\n');
    expect(cgroupMemoryLimit([join(d, 'v2')])).toBe(2 ** 32);
    expect(cgroupMemoryLimit([join(d, 'max'), join(d, 'v1')])).toBeUndefined();
    expect(cgroupMemoryLimit([join(d, 'absent'), join(d, 'v2')])).toBe(2 ** 32);
  });

  it('parses sizes in binary units', () => {
    expect(parseSize('8G')).toBe(8 * 2 ** 30);
    expect(parseSize('500M')).toBe(500 * 2 ** 20);
    expect(parseSize('1.5 GiB')).toBe(1.5 * 2 ** 30);
    expect(parseSize('64k')).toBe(64 * 1024);
    expect(parseSize('2048')).toBe(2048);
    expect(parseSize('1T')).toBe(2 ** 40);
    for (const bad of ['', 'lots', '-1G', '0', '1e9', 'G', '5 X']) expect(parseSize(bad)).toBeUndefined();
  });

  it('prints sizes the way it parses them', () => {
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatBytes(512)).toBe('512 bytes');
  });
});
