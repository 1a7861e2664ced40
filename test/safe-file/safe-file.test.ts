import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFile, FileAccessError, readRegularFile, readRegularText, writeFileAtomic } from '../../src/safe-file.js';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'plexus-safe-'));
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FileAccessError);
    return (e as FileAccessError).code;
  }
  return undefined;
}

describe('safe file reads', () => {
  it('reads a regular file within its bound', () => {
    const d = dir();
    writeFileSync(join(d, 'a'), 'hello');
    expect(readRegularText(join(d, 'a'), { maxBytes: 5 })).toBe('hello');
  });

  it('refuses a file over the bound before reading it', () => {
    const d = dir();
    writeFileSync(join(d, 'a'), 'hello!');
    expect(codeOf(() => readRegularFile(join(d, 'a'), { maxBytes: 5 }))).toBe('ETOOBIG');
  });

  it('refuses links, FIFOs, devices and directories without blocking', () => {
    const d = dir();
    writeFileSync(join(d, 'target'), 'x');
    symlinkSync(join(d, 'target'), join(d, 'link'));
    execFileSync('mkfifo', [join(d, 'fifo')]);
    expect(codeOf(() => readRegularFile(join(d, 'link'), { maxBytes: 10 }))).toBe('ENOTREG');
    expect(codeOf(() => readRegularFile(join(d, 'fifo'), { maxBytes: 10 }))).toBe('ENOTREG');
    expect(codeOf(() => readRegularFile('/dev/zero', { maxBytes: 10 }))).toBe('ENOTREG');
    expect(codeOf(() => readRegularFile(d, { maxBytes: 10 }))).toBe('ENOTREG');
    expect(codeOf(() => readRegularFile(join(d, 'missing'), { maxBytes: 10 }))).toBe('ENOENT');
  });
});

describe('safe file writes', () => {
  it('creates files new and never writes through a link', () => {
    const d = dir();
    writeFileSync(join(d, 'outside'), 'keep');
    symlinkSync(join(d, 'outside'), join(d, 'out'));
    expect(codeOf(() => createFile(join(d, 'out'), 'new'))).toBe('EEXIST');
    createFile(join(d, 'out'), 'new', { replace: true });
    expect(readFileSync(join(d, 'outside'), 'utf8')).toBe('keep');
    expect(readFileSync(join(d, 'out'), 'utf8')).toBe('new');
  });

  it('replaces a link atomically without touching its target', () => {
    const d = dir();
    writeFileSync(join(d, 'outside'), 'keep');
    symlinkSync(join(d, 'outside'), join(d, 'f'));
    writeFileAtomic(join(d, 'f'), new Uint8Array([1, 2, 3]));
    expect(readFileSync(join(d, 'outside'), 'utf8')).toBe('keep');
    expect([...readFileSync(join(d, 'f'))]).toEqual([1, 2, 3]);
  });
});
