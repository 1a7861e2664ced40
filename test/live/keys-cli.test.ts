// `plexus live keys`: a key per member and the run secret in files only their owner reads, and the
// bootstrap lines binding each index to its key; `plexus node` refuses such a file others can read.
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBootstrap } from '../../src/live/bootstrap.js';
import { peerIdOf, readKeyFile } from '../../src/live/identity.js';
import { readSecretFile } from '../../src/live/secret.js';
import { plexus, tempDir, tiny, writeConfig } from '../cli/helpers.js';

const built = existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'live-keys-command.js'));

describe.skipIf(!built)('plexus live keys', () => {
  it('writes P+1 keys and the secret with mode 0600, and a bootstrap file naming each key\'s peer id', async () => {
    const dir = join(tempDir('plexus-keys-'), 'keys');
    const r = await plexus(['live', 'keys', '--processes', '2', '--out', dir, '--hosts', '10.0.0.1,10.0.0.2,10.0.0.9', '--port', '4100']);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['key-0', 'key-1', 'key-2', 'secret']) expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    const members = parseBootstrap(readFileSync(join(dir, 'bootstrap.txt'), 'utf8'), 3)!;
    const ids = [0, 1, 2].map((k) => peerIdOf(readKeyFile(join(dir, `key-${k}`))));
    expect(members).toEqual(ids.map((id, k) => [`/ip4/${['10.0.0.1', '10.0.0.2', '10.0.0.9'][k]}/tcp/4100/p2p/${id}`]));
    expect(new Set(ids).size).toBe(3);
    expect(readSecretFile(join(dir, 'secret')).key).toHaveLength(32);
    // a second time into the same directory: refused, nothing replaced
    const again = await plexus(['live', 'keys', '--processes', '2', '--out', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(peerIdOf(readKeyFile(join(dir, 'key-0')))).toBe(ids[0]);
  }, 30_000);

  it('makes a plexus node refuse a key or secret file others can read (exit 2, with the chmod that fixes it), or one that is not a key', async () => {
    const dir = tempDir('plexus-keys-');
    const keys = join(dir, 'keys');
    expect((await plexus(['live', 'keys', '--processes', '2', '--out', keys])).code).toBe(0);
    const cfg = writeConfig(dir, 'tiny.yaml', tiny);
    const node = (extra: string[]) => plexus(['node', cfg, '--index', '0', '--processes', '2', '--bootstrap', join(keys, 'bootstrap.template.txt'), ...extra], { timeout: 30_000 });
    chmodSync(join(keys, 'secret'), 0o644);
    let r = await node(['--secret', join(keys, 'secret')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/mode 0644 lets others read it; it is a secret: chmod 600 .*secret/);
    chmodSync(join(keys, 'key-0'), 0o640);
    r = await node(['--key', join(keys, 'key-0')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/chmod 600 .*key-0/);
    chmodSync(join(keys, 'secret'), 0o600);
    r = await node(['--key', join(keys, 'secret')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/is not a private key/);
  }, 60_000);

  it('makes a plexus node whose key is not its bootstrap line\'s exit 2 saying so', async () => {
    const dir = tempDir('plexus-keys-');
    const keys = join(dir, 'keys');
    expect((await plexus(['live', 'keys', '--processes', '2', '--out', keys, '--hosts', '127.0.0.1,127.0.0.1,127.0.0.1', '--port', '1'])).code).toBe(0);
    const cfg = writeConfig(dir, 'tiny.yaml', tiny);
    const r = await plexus(['node', cfg, '--index', '0', '--processes', '2', '--bootstrap', join(keys, 'bootstrap.txt'), '--key', join(keys, 'key-1'), '--secret', join(keys, 'secret')], { timeout: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/binds index 0 to peer .* but this process's key is peer/);
  }, 30_000);
});
