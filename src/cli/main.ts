// The CLI entry: the only place that touches argv, stdout/stderr, exit codes and the file system.
import { Command, CommanderError } from 'commander';
import { ConfigError, DataError, PlexusError, TopologyError } from '../errors.js';
import { registerRunCommand } from './run-command.js';
import { registerReportCommand } from './report-command.js';
import { registerSweepCommand } from './sweep-command.js';
import { registerResumeCommand } from './resume-command.js';
import { registerExportCommand } from './export-command.js';
import { registerLiveCommand } from './live-command.js';
import { registerNodeCommand } from './node-command.js';
import { registerNewCommand } from './new-command.js';
import { UsageError } from './options.js';

async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('plexus')
    .description('Plexus: simulate learning without a centre. Peers in a graph train TF.js models on their own data and exchange parameters only with their neighbours.')
    .version('0.1.0')
    .exitOverride()
    .enablePositionalOptions() // lets `plexus live keys` have options of its own
    .configureOutput({ outputError: (s, write) => write(s) })
    .showHelpAfterError('(run with --help for usage)');
  registerRunCommand(program);
  registerReportCommand(program);
  registerSweepCommand(program);
  registerResumeCommand(program);
  registerExportCommand(program);
  registerLiveCommand(program);
  registerNodeCommand(program);
  registerNewCommand(program);
  try {
    const { registerVizCommand } = await import('./viz.js');
    registerVizCommand(program);
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
  program.addHelpText('after', `
Examples:
  plexus run experiments/quickstart.yaml
  plexus run experiments/ring64-mnist.yaml --out runs/ring64 --seed 3 --workers 2
  plexus run experiments/quickstart.yaml --viz      # watch it live in the browser
  plexus viz runs/ring64                            # replay a finished run
  plexus live experiments/ring64-mnist.yaml --processes 4   # 4 processes over libp2p`);
  await program.parseAsync(argv);
}

function isUserError(e: unknown): e is PlexusError {
  return e instanceof ConfigError || e instanceof TopologyError || e instanceof DataError || e instanceof UsageError;
}

main(process.argv).catch((e: unknown) => {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  if (isUserError(e)) {
    process.stderr.write(`plexus: ${e.message}\n`);
    process.exit(2);
  }
  if (e instanceof PlexusError) {
    process.stderr.write(`plexus: ${e.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`plexus: unexpected failure: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
