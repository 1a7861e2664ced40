// `plexus new plugin NAME --kind aggregation|attack|protocol`: a starting plug-in file, a small
// config that runs it, and a check of it, written new into --dir (never over existing files).
import { existsSync, lstatSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createFile } from '../safe-file.js';
import { NEW_PLUGIN_KINDS, pluginCheck, pluginConfig, pluginSource, type NewPluginKind } from './new-plugin-templates.js';
import { UsageError } from './options.js';

interface NewOptions {
  kind: string;
  dir: string;
}

export function registerNewCommand(program: Command): void {
  const cmd = program.command('new').description('write starting files');
  cmd
    .command('plugin')
    .description('a plug-in file of one sort, a config that runs it, and a check that it gives the same bits on 0 and 2 workers')
    .argument('<name>', 'its kind name: letters, digits and "-" (e.g. my-rule)')
    .option('-k, --kind <sort>', NEW_PLUGIN_KINDS.join(' | '), 'aggregation')
    .option('-d, --dir <dir>', 'where to write NAME.ts, NAME.yaml and NAME.test.mjs', '.')
    .action((name: string, opts: NewOptions) => newPlugin(name, opts));
}

function newPlugin(name: string, opts: NewOptions): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`new plugin: '${name}' is not a kind name; use lower-case letters, digits and "-", starting with a letter`);
  if (!(NEW_PLUGIN_KINDS as readonly string[]).includes(opts.kind)) throw new UsageError(`--kind: '${opts.kind}' is not a sort; use ${NEW_PLUGIN_KINDS.join(' | ')}`);
  const dir = resolve(opts.dir);
  if (!existsSync(dir) || !lstatSync(dir).isDirectory()) throw new UsageError(`--dir: ${dir} is not a directory`);
  const kind = opts.kind as NewPluginKind;
  const bin = fileURLToPath(new URL('../../../bin/plexus.js', import.meta.url));
  const files: [string, string][] = [
    [`${name}.ts`, pluginSource(kind, name)],
    [`${name}.yaml`, pluginConfig(kind, name)],
    [`${name}.test.mjs`, pluginCheck(name, bin)],
  ];
  const taken = files.filter(([f]) => existsSync(join(dir, f)));
  if (taken.length > 0) throw new UsageError(`new plugin: ${taken.map(([f]) => join(dir, f)).join(', ')} already exist(s); choose another name or --dir`);
  for (const [f, text] of files) createFile(join(dir, f), text, { what: 'new plug-in file' });
  process.stdout.write(`wrote ${files.map(([f]) => join(dir, f)).join(', ')}\nrun it:   plexus run ${join(dir, `${name}.yaml`)}\ncheck it: node --test ${join(dir, `${name}.test.mjs`)}\n`);
}
