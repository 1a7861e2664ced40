// The credentials of a run started by hand on loopback: `plexus live keys` makes each member's key
// and the run secret, and the bootstrap file binds index k to its key at 127.0.0.1:ports[k].
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plexus } from '../cli/helpers.js';

export interface HandRun {
  /** the bootstrap file: one line per process, then the observer's, each ending in /p2p/<its id> */
  bootstrap: string;
  /** `--key` and `--secret` for index k (the observer is index ports.length - 1) */
  credentials(k: number): string[];
}

/** Keys for ports.length - 1 processes and the observer, in `dir`/keys, and `dir`/bootstrap.txt. */
export async function handRun(dir: string, ports: number[]): Promise<HandRun> {
  const keys = join(dir, 'keys');
  const made = await plexus(['live', 'keys', '--processes', String(ports.length - 1), '--out', keys]);
  if (made.code !== 0) throw new Error(`plexus live keys failed: ${made.stderr}`);
  const template = readFileSync(join(keys, 'bootstrap.template.txt'), 'utf8');
  const lines = template.split('\n').filter((l) => l.startsWith('/ip4/'));
  const bootstrap = join(dir, 'bootstrap.txt');
  writeFileSync(bootstrap, lines.map((l, k) => l.replace('HOST', '127.0.0.1').replace('/tcp/4001/', `/tcp/${ports[k]}/`)).join('\n') + '\n');
  return { bootstrap, credentials: (k) => ['--key', join(keys, `key-${k}`), '--secret', join(keys, 'secret')] };
}
