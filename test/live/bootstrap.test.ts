// The bootstrap file: a member a line, bound to its key by /p2p/ ids for libp2p; read only when it
// is a small regular file, waited for while incomplete, and refused with its file and line named.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PlexusError } from '../../src/errors.js';
import { MAX_BOOTSTRAP_BYTES, parseBootstrap, waitForBootstrap } from '../../src/live/bootstrap.js';
import { generateKey, peerIdOf } from '../../src/live/identity.js';
import { LiveFileError } from '../../src/live/secret.js';
import { plexus, tempDir, tiny, writeConfig } from '../cli/helpers.js';

let ids: string[];
beforeAll(async () => {
  ids = await Promise.all([0, 1, 2].map(async () => peerIdOf(await generateKey())));
});

const line = (k: number, port = 4001 + k) => `/ip4/10.0.0.${k + 1}/tcp/${port}/p2p/${ids[k]}`;

describe('parseBootstrap', () => {
  it('lists one member a line, comments and blank lines aside, and is incomplete until every member is there', () => {
    expect(parseBootstrap(`# processes then the observer\n${line(0)}\n\n${line(1)} /ip6/::1/tcp/4001/p2p/${ids[1]}\n`, 3)).toBeUndefined();
    expect(parseBootstrap(`${line(0)}\n${line(1)} /ip6/::1/tcp/9/p2p/${ids[1]}\n${line(2)}\n`, 3)).toEqual([[line(0)], [line(1), `/ip6/::1/tcp/9/p2p/${ids[1]}`], [line(2)]]);
    expect(() => parseBootstrap(`${line(0)}\n${line(1)}\n${line(2)}\n${line(2).replace(ids[2], ids[0])}x\n`, 3)).toThrow(LiveFileError);
  });

  it('names the file and the line of an address that is not a multiaddr with a /p2p/ id', () => {
    expect(() => parseBootstrap(`${line(0)}\n/ip4/10.0.0.2/tcp/4001\n${line(2)}\n`, 3, 'boot.txt')).toThrow(/boot\.txt line 2: .*does not end in \/p2p\/<peer id>/);
    expect(() => parseBootstrap(`${line(0)}\n# a comment\ngarbage here\n${line(2)}\n`, 3, 'boot.txt')).toThrow(/boot\.txt line 3: "garbage" is not a multiaddr/);
    expect(() => parseBootstrap(`${line(0)}\n/ip4/1.2.3.4/tcp/1/p2p/notapeer\n${line(2)}\n`, 3, 'boot.txt')).toThrow(/line 2: "notapeer" .* is not a peer id/);
    expect(() => parseBootstrap(`${line(0)}\n${line(1).replace(ids[1], ids[0])}\n${line(2)}\n`, 3, 'boot.txt')).toThrow(/line 2: peer id .* is member 0's already/);
  });

  it('takes host:port lines for tcp and names a line that is not one', () => {
    expect(parseBootstrap('127.0.0.1:4001\n[::1]:4002\nhost:4003\n', 3, 'b', 'tcp')).toEqual([['127.0.0.1:4001'], ['[::1]:4002'], ['host:4003']]);
    expect(() => parseBootstrap('127.0.0.1:4001\n127.0.0.1\nx:1\n', 3, 'b', 'tcp')).toThrow(/b line 2: "127\.0\.0\.1" is not host:port/);
    expect(() => parseBootstrap('127.0.0.1:4001\n127.0.0.1:99999\nx:1\n', 3, 'b', 'tcp')).toThrow(/line 2/);
  });

  it('waits for a last line still being written rather than calling it garbage', () => {
    expect(parseBootstrap(`${line(0)}\n${line(1)}\n/ip4/10.0.0.3/tcp/40`, 3)).toBeUndefined();
  });
});

describe('waitForBootstrap', () => {
  it('refuses a FIFO, a device, a link and an oversized file at once, without reading them', async () => {
    const dir = tempDir('plexus-bootstrap-');
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const target = join(dir, 'real.txt');
    writeFileSync(target, `${line(0)}\n${line(1)}\n${line(2)}\n`);
    symlinkSync(target, join(dir, 'link.txt'));
    writeFileSync(join(dir, 'big.txt'), '#'.repeat(MAX_BOOTSTRAP_BYTES + 1));
    mkdirSync(join(dir, 'a-dir'));
    for (const [path, why] of [[fifo, /FIFO/], ['/dev/zero', /device/], [join(dir, 'link.txt'), /symbolic link/], [join(dir, 'big.txt'), /more than the 1\.0 MiB/], [join(dir, 'a-dir'), /directory/]] as const) {
      const t0 = Date.now();
      await expect(waitForBootstrap(path, 3, 60_000)).rejects.toThrow(why);
      await expect(waitForBootstrap(path, 3, 60_000)).rejects.toBeInstanceOf(LiveFileError);
      expect(Date.now() - t0).toBeLessThan(5000);
    }
    await expect(waitForBootstrap(target, 3, 1000)).resolves.toHaveLength(3);
  });

  it('waits for an incomplete file no longer than it was told', async () => {
    const dir = tempDir('plexus-bootstrap-');
    const path = join(dir, 'b.txt');
    writeFileSync(path, `${line(0)}\n`);
    const t0 = Date.now();
    const err = await waitForBootstrap(path, 3, 400).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlexusError);
    expect((err as Error).message).toMatch(/did not list all 3 members .*within 0\.4 s/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

const built = existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'node-command.js'));

describe.skipIf(!built)('plexus node --bootstrap', () => {
  it('exits 2 naming the file and the line for garbage, and for /dev/zero, without a stack', async () => {
    const dir = tempDir('plexus-bootstrap-cli-');
    const cfg = writeConfig(dir, 'tiny.yaml', tiny);
    const garbage = join(dir, 'garbage.txt');
    writeFileSync(garbage, `${line(0)}\nnot an address\n${line(2)}\n`);
    for (const [file, why] of [[garbage, /garbage\.txt line 2: "not" is not a multiaddr/], ['/dev/zero', /\/dev\/zero: a device, not a regular file/]] as const) {
      const r = await plexus(['node', cfg, '--index', '0', '--processes', '2', '--bootstrap', file], { timeout: 30_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  }, 60_000);
});
