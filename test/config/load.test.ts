// Reading a config file: anything that is not a small YAML or JSON text file is a ConfigError
// naming the file and what to give instead.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, MAX_CONFIG_BYTES, parseConfigText } from '../../src/config/resolve.js';
import { configIssues } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'plexus-load-'));

const issueOf = (f: () => unknown): string => configIssues(f).join('\n');

describe('loadConfigFile', () => {
  it('says what is wrong with a path that is not a config file', () => {
    mkdirSync(join(dir, 'folder'));
    expect(issueOf(() => loadConfigFile(join(dir, 'folder')))).toMatch(/folder: is a directory/);
    expect(issueOf(() => loadConfigFile(join(dir, 'missing.yaml')))).toMatch(/missing\.yaml: no such config file/);
    expect(issueOf(() => loadConfigFile(''))).toMatch(/no config file given/);
    writeFileSync(join(dir, 'file'), 'x');
    expect(issueOf(() => loadConfigFile(join(dir, 'file', 'below.yaml')))).toMatch(/a part of the path is a file/);
  });

  it.runIf(process.platform === 'linux')('refuses devices, which could be endless', () => {
    expect(issueOf(() => loadConfigFile('/dev/zero'))).toMatch(/not a regular file/);
  });

  it('refuses binary data, non-UTF-8 text and files over the size limit', () => {
    writeFileSync(join(dir, 'bin'), Buffer.from([1, 0, 2]));
    expect(issueOf(() => loadConfigFile(join(dir, 'bin')))).toMatch(/holds binary data/);
    writeFileSync(join(dir, 'latin1'), Buffer.from([0x61, 0x3a, 0x20, 0xe9]));
    expect(issueOf(() => loadConfigFile(join(dir, 'latin1')))).toMatch(/is not UTF-8 text/);
    writeFileSync(join(dir, 'big'), `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    expect(issueOf(() => loadConfigFile(join(dir, 'big')))).toMatch(/a config is at most 10 MiB/);
  });
});

describe('parseConfigText', () => {
  it('turns a YAML alias bomb into a config error instead of expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
    expect(issueOf(() => parseConfigText(bomb, 'bomb.yaml'))).toMatch(/^bomb\.yaml: its aliases \(\*name\) expand to too much data/);
  });

  it('still allows a few aliases, for reuse', () => {
    expect(parseConfigText('base: &d { kind: blobs }\nother: *d\n')).toEqual({ base: { kind: 'blobs' }, other: { kind: 'blobs' } });
  });

  it('reports an alias without an anchor', () => {
    expect(issueOf(() => parseConfigText('a: *nowhere\n', 'c.yaml'))).toMatch(/^c\.yaml: .*nowhere.*define each &anchor before its \*alias/);
  });

  it('reports nesting too deep to parse with its line', () => {
    expect(issueOf(() => parseConfigText(`a: ${'['.repeat(5000)}${']'.repeat(5000)}`, 'deep.yaml'))).toMatch(/^deep\.yaml line 1, column \d+/);
  });
});
