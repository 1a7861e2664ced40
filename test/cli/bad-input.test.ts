// What a new user might type or feed to `plexus run`: each gets status 2 and one message,
// never a stack trace, a hang, or a run directory.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plexus, tempDir, tiny, writeConfig } from './helpers.js';

const dir = tempDir('plexus-bad-');
const ok = writeConfig(dir, 'ok.yaml', tiny);

function bomb(): string {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  for (const [prev, next] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g'], ['g', 'h']]) {
    lines.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
  }
  return lines.join('\n') + '\n';
}

const configs: [string, () => string, RegExp][] = [
  ['a YAML alias bomb', () => writeConfig(dir, 'bomb.yaml', bomb()), /aliases \(\*name\) expand to too much data/],
  ['an unknown YAML alias', () => writeConfig(dir, 'alias.yaml', tiny + 'name: *nowhere\n'), /nowhere.*define each &anchor before its \*alias/],
  ['a binary file', () => writeConfig(dir, 'bin.yaml', '\x7fELF\x02\x01\x01\x00\x00\x00'), /holds binary data/],
  ['text that is not UTF-8', () => { const p = join(dir, 'latin1.yaml'); writeFileSync(p, Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a])); return p; }, /is not UTF-8 text/],
  ['a directory', () => { const p = join(dir, 'a-folder'); mkdirSync(p, { recursive: true }); return p; }, /a-folder: is a directory/],
  ['a huge file', () => writeConfig(dir, 'huge.yaml', tiny + `# ${'x'.repeat(11 * 2 ** 20)}\n`), /huge\.yaml: is 11\.0 MiB; a config is at most 10 MiB/],
  ['an empty file', () => writeConfig(dir, 'empty.yaml', ''), /\(root\): the config must be a mapping/],
  ['blobs with more than 256 classes', () => writeConfig(dir, 'classes.yaml', tiny.replace('classes: 3', 'classes: 300')), /data\.dataset\.classes: 300 is more than 256/],
  ['an infinite learning rate', () => writeConfig(dir, 'lr.yaml', tiny.replace('batchSize: 10', 'batchSize: 10, lr: .inf')), /train\.lr: infinity/],
  ['a NaN separation', () => writeConfig(dir, 'nan.yaml', tiny.replace('testSize: 200', 'testSize: 200, separation: .nan')), /data\.dataset\.separation: NaN/],
  ['rounds: 1e300', () => writeConfig(dir, 'rounds.yaml', tiny.replace('rounds: 6', 'rounds: 1e300')), /rounds: 1e\+300 is too large to count exactly/],
  ['seed: 1e300', () => writeConfig(dir, 'seed.yaml', tiny + 'seed: 1e300\n'), /seed: 1e\+300 is too large to count exactly/],
  ['a hidden layer of a million units', () => writeConfig(dir, 'wide.yaml', tiny.replace('model: { kind: logistic }', 'model: { hidden: [1000000] }').replace('features: 6', 'features: 784')), /Too large to run|Not enough memory/],
  ['blobs with 1e8 features', () => writeConfig(dir, 'features.yaml', tiny.replace('features: 6', 'features: 1e8')), /data\.dataset: .*features is more than|Not enough memory/],
  ['30,000 peers on a complete graph', () => writeConfig(dir, 'dense.yaml', 'peers: 30000\nrounds: 5\ntopology: complete\ndata: { examplesPerPeer: 2 }\ntrain: { batchSize: 2 }\n'), /Not enough memory: this run needs about .* GiB, more than the limit of 4\.0 GiB \(set by --max-memory\)/],
  ['50,000 peers on a complete graph', () => writeConfig(dir, 'denser.yaml', 'peers: 50000\nrounds: 5\ntopology: complete\ndata: { dataset: { kind: blobs, trainSize: 100000 }, examplesPerPeer: 2 }\nmodel: { kind: logistic }\ntrain: { batchSize: 2 }\n'), /topology: about 2,499,950,000 links, more than the 2,147,483,647/],
];

describe('plexus run with a bad config', () => {
  for (const [what, file, message] of configs) {
    it(`exits 2 with one clear message for ${what}`, async () => {
      const out = join(dir, `out-${what.replace(/\W+/g, '-')}`);
      const r = await plexus(['run', file(), '--out', out, '--max-memory', '4G'], { timeout: 30_000 });
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    }, 40_000);
  }
});

const flags: [string, string[], RegExp][] = [
  ['too many workers', ['--workers', '200'], /--workers: 200 is more than \d+, the most worth running here/],
  ['negative rounds', ['--rounds', '-3'], /--rounds must be an integer >= 1/],
  ['a NaN seed', ['--seed', 'NaN'], /--seed must be an integer >= 0/],
  ['a seed beyond 2^53', ['--seed', '1e300'], /--seed must be an integer >= 0/],
  ['negative workers', ['--workers', '-1'], /--workers must be an integer >= 0/],
  ['a bad port', ['--port', 'http'], /--port must be an integer from 0 to 65535/],
  ['a port above 65535', ['--viz', '--port', '70000'], /--port must be an integer from 0 to 65535/],
  ['an option where --out wants a directory', ['--out', '-q'], /--out: '-q' looks like an option/],
  ['a bad memory size', ['--max-memory', 'lots'], /--max-memory must be a size such as 8G/],
  ['a memory limit the run exceeds', ['--max-memory', '1M'], /Not enough memory: .* more than the limit of 1\.0 MiB \(set by --max-memory\)[\s\S]*--max-memory/],
  ['an unknown backend', ['--backend', 'gpu'], /--backend: 'gpu' is not a backend/],
  ['an unknown option', ['--bogus'], /unknown option '--bogus'/],
  ['an extra argument', ['extra'], /too many arguments/],
];

describe('plexus run with a bad command line', () => {
  for (const [what, args, message] of flags) {
    it(`exits 2 with one clear message for ${what}`, async () => {
      const out = join(dir, `flag-${what.replace(/\W+/g, '-')}`);
      const r = await plexus(['run', ok, '--out', out, ...args], { timeout: 30_000 });
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    }, 40_000);
  }

  it('exits 2 when the config is missing or not given', async () => {
    const missing = await plexus(['run', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.yaml: no such config file/);
    const none = await plexus(['run']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/missing required argument 'config'/);
    const empty = await plexus(['run', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no config file given/);
  });
});
