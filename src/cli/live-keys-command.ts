// `plexus live keys --processes P --out DIR`: the credentials of a live run across machines, made
// up front: a private key per member (processes 0..P-1 and the observer P), the run secret, and the
// bootstrap lines with each member's /p2p/ id, for the operator to fill in with its address.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { generateKey, peerIdOf, writeKeyFile } from '../live/identity.js';
import { generateSecret, writeSecretFile } from '../live/secret.js';
import { createFile, FileAccessError, lstatIfExists } from '../safe-file.js';
import { parseIntOption, UsageError } from './options.js';

export interface LiveKeysOptions {
  processes: number;
  out: string;
  /** the members' hosts (P+1, comma-separated): a ready bootstrap file instead of a template */
  hosts?: string;
  port: number;
}

export function registerLiveKeysCommand(live: Command): void {
  live
    .command('keys')
    .description('make the keys and the run secret of a live run across machines (files of mode 0600)')
    .requiredOption('-p, --processes <P>', 'processes in the run (keys for 0..P-1, and P for the observer)', parseIntOption('--processes', 1))
    .requiredOption('-o, --out <dir>', 'a new or empty directory for the files')
    .option('--hosts <h0,h1,...>', 'the P+1 members\' hosts (IPv4), processes then the observer: writes bootstrap.txt ready to use')
    .option('--port <n>', 'the port every member listens on (with --hosts)', parseIntOption('--port', 1, 65535), 4001)
    .addHelpText('after', `
Writes DIR/key-0 .. key-P (each member's private key), DIR/secret (the run secret), and
DIR/bootstrap.txt (with --hosts) or DIR/bootstrap.template.txt (HOST to replace by each member's
address). Copy key-K and secret to machine K with mode 0600 (scp -p), never the other keys, then:
  plexus node CONFIG --index K --processes P --key key-K --secret secret --bootstrap bootstrap.txt --listen /ip4/0.0.0.0/tcp/4001
  plexus live CONFIG --processes P --join bootstrap.txt --key key-P --secret secret --listen /ip4/0.0.0.0/tcp/4001`)
    .action(async (opts: LiveKeysOptions) => {
      await liveKeysCommand(opts);
    });
}

export async function liveKeysCommand(opts: LiveKeysOptions): Promise<void> {
  const P = opts.processes;
  const hosts = opts.hosts?.split(',').map((h) => h.trim());
  if (hosts && (hosts.length !== P + 1 || hosts.some((h) => !/^\d{1,3}(\.\d{1,3}){3}$/.test(h)))) {
    throw new UsageError(`--hosts: give ${P + 1} IPv4 addresses, processes 0..${P - 1} then the observer, comma-separated`);
  }
  const st = lstatIfExists(opts.out);
  if (st && !st.isDirectory()) throw new UsageError(`--out: ${opts.out} is not a directory`);
  mkdirSync(opts.out, { recursive: true, mode: 0o700 });
  const lines: string[] = [];
  try {
    for (let k = 0; k <= P; k++) {
      const key = await generateKey();
      writeKeyFile(join(opts.out, `key-${k}`), key);
      lines.push(`/ip4/${hosts?.[k] ?? 'HOST'}/tcp/${opts.port}/p2p/${peerIdOf(key)}`);
    }
    writeSecretFile(join(opts.out, 'secret'), generateSecret());
    const header = `# members 0..${P - 1}, then the observer; one line each: its address and /p2p/ id\n`;
    createFile(join(opts.out, hosts ? 'bootstrap.txt' : 'bootstrap.template.txt'), header + lines.join('\n') + '\n', { what: 'bootstrap file' });
  } catch (e) {
    if (e instanceof FileAccessError) throw new UsageError(`--out: ${e.message} (use a new or empty directory)`);
    throw e;
  }
  process.stderr.write(`keys of processes 0..${P - 1} and the observer (${P}), the run secret and ${hosts ? 'bootstrap.txt' : 'bootstrap.template.txt (replace HOST)'} in ${opts.out}\n`);
  process.stdout.write(lines.join('\n') + '\n');
}
