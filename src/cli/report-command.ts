// `plexus report DIR...`: reads run and sweep directories, groups runs that differ only in seed,
// and writes report.html, the figures (SVG and PNG) and summary.csv.
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { ReportInputError } from '../report/errors.js';
import { X_AXES, type XAxis } from '../report/x-axis.js';
import { acquireRunLock } from './run-lock.js';
import { UsageError } from './options.js';
import { createFile, FileAccessError } from '../safe-file.js';
import { planFilesDir, prepareOutDir, reason } from './out-dir.js';

export interface ReportCommandOptions {
  out?: string;
  by?: string;
  x?: XAxis;
  title?: string;
  quiet?: boolean;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('compare finished runs: figures with 95% confidence bands over seeds, a table of final figures, summary.csv')
    .argument('<dir...>', 'run directories, sweep directories (with sweep.jsonl), or directories holding finished runs')
    .option('-o, --out <dir>', 'where to write the report (default: report/ inside the first DIR); its report files are replaced')
    .option('--by <keys>', 'config keys that label the groups, comma-separated, e.g. topology.kind,train.lr (default: the keys in which the groups differ)')
    .addOption(new Option('-x, --x <axis>', 'x axis of the figures').choices(X_AXES).default('round'))
    .option('--title <text>', 'title of report.html (default: from the runs\' names)')
    .option('-q, --quiet', 'no warnings on stderr (the page still lists them)')
    .addHelpText('after', `
Runs whose config.resolved.json differ only in seed (and name) form a group: each figure draws
one line per group, the mean over its seeds, with a 95% confidence band (Student t, n - 1
degrees of freedom). Accuracy is recorded on evaluation rounds only; seeds are aligned on the
rounds they share. Unfinished or interrupted runs (no summary.json, or aborted) are left out
with a warning; in a sweep directory, only the runs sweep.jsonl marks 'done' count.

--x round   the round number (default)
--x bytes   cumulative bytes sent by all peers
--x time    virtual time; asynchronous runs only (time.mode: async)
--x wall    wall-clock seconds of the rounds (roundSeconds cumulated; evaluation excluded)

Writes into --out: report.html (self-contained: open it from disk), accuracy.svg/png and
consensus.svg/png (PNG 1050 px wide: 3.5 in at 300 dpi), summary.csv (one row per group: the
label keys, n, and for each final figure its mean, ci_low and ci_high).
Exit status: 0 done, 2 bad input (not a run or sweep directory, a run with no metrics, an
unknown --by key, --x time with synchronous runs, an unwritable --out).

Examples:
  plexus report runs/ring-s1 runs/ring-s2 runs/torus-s1 runs/torus-s2
  plexus report sweeps/lr --by train.lr --x bytes --out figures/lr`)
    .action(async (dirs: string[], opts: ReportCommandOptions) => {
      await reportCommand(dirs, opts);
    });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** --by as a list of config paths. */
export function parseByOption(by: string | undefined): string[] | undefined {
  if (by === undefined) return undefined;
  const keys = by.split(',').map((k) => k.trim());
  if (keys.some((k) => k === '' || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(k))) {
    throw new UsageError(`--by: '${by}' is not a list of config keys; write dotted paths separated by commas, e.g. --by topology.kind,train.lr`);
  }
  return keys;
}

/** The report directory (never a link), created one level at a time when missing. */
function prepareReportDir(path: string): string {
  try {
    return prepareOutDir(planFilesDir(path)).dir;
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${e.message}; choose another directory with --out`);
    throw e;
  }
}

export async function reportCommand(dirs: string[], opts: ReportCommandOptions): Promise<void> {
  const by = parseByOption(opts.by);
  const x = opts.x ?? 'round';
  if (!(X_AXES as readonly string[]).includes(x)) throw new UsageError(`--x: '${x}' is not an axis; use ${X_AXES.join(' | ')}`);
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  try {
    // the charting libraries load only when a report is made, not with every command
    const { loadRuns } = await import('../report/load-runs.js');
    const { buildReport } = await import('../report/build-report.js');
    const runs = loadRuns(dirs, warn);
    const report = await buildReport(runs, { by, x, title: opts.title, inputs: dirs, warnings });
    const out = prepareReportDir(opts.out ?? join(dirs[0], 'report'));
    const lock = acquireRunLock(out, 'plexus report');
    try {
      for (const f of report.files) {
        const path = join(out, f.name);
        try {
          // a link or file already there is replaced, never written through
          createFile(path, f.content, { replace: true, what: 'report file' });
        } catch (e) {
          const why = e instanceof FileAccessError ? `cannot write ${e.message}` : `cannot write ${path}: ${reason(e)}`;
          throw new UsageError(`--out: ${why}; choose another directory with --out`);
        }
      }
    } finally {
      lock.release();
    }
    process.stdout.write(
      `report: ${join(out, 'report.html')} (${plural(report.runs, 'run')} in ${plural(report.groups.length, 'group')}: ${report.groups.map((g) => `${g.label} n=${g.runs.length}`).join('; ')})\n` +
        `  files: ${report.files.map((f) => f.name).join(', ')}\n`,
    );
  } catch (e) {
    if (e instanceof ReportInputError) throw new UsageError(e.message);
    throw e;
  } finally {
    if (!opts.quiet) for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  }
}
