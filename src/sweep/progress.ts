// What a person sees while a sweep goes: one bar over the runs on a TTY, with a line per finished
// run above it; plain lines otherwise (each run's start, its evaluation lines, its end).
import cliProgress from 'cli-progress';
import type { SweepRecord } from './records.js';

export interface SweepProgress {
  started(id: string): void;
  /** a line a running child wrote to stderr */
  childLine(id: string, line: string): void;
  finished(record: SweepRecord): void;
  /** a message above the bar */
  log(line: string): void;
  stop(): void;
}

export interface SweepProgressOptions {
  tty: boolean;
  out: NodeJS.WritableStream;
  total: number;
  /** finished before this invocation */
  finished: number;
}

/** A child's evaluation line (`plexus run --quiet`), worth passing on in plain mode. */
const ROUND_LINE = /^round\s+\d+\/\d+/;

export function describeRecord(r: SweepRecord): string {
  if (r.status === 'failed') {
    const last = r.error?.split('\n').filter(Boolean).pop() ?? '';
    return `exit ${r.exitCode ?? 'by signal'}${last ? `: ${last}` : ''}`;
  }
  const figures = [
    r.rounds !== null ? `${r.rounds} rounds` : undefined,
    r.finalMeanAccuracy !== null ? `acc ${r.finalMeanAccuracy.toFixed(4)}` : undefined,
    r.finalConsensusDistance !== null ? `consensus ${r.finalConsensusDistance.toExponential(2)}` : undefined,
    r.wallSeconds !== null ? `${r.wallSeconds.toFixed(1)} s` : undefined,
  ].filter(Boolean);
  if (figures.length === 0 && r.status === 'interrupted') return 'stopped before writing its summary';
  return figures.join('  ');
}

export function createSweepProgress(opts: SweepProgressOptions): SweepProgress {
  let finished = opts.finished;
  let running = 0;
  let failed = 0;
  const width = String(opts.total).length;
  const line = (r: SweepRecord) => `${r.status.padEnd(11)} [${String(finished).padStart(width)}/${opts.total}] ${r.id}  ${describeRecord(r)}`;
  if (!opts.tty) {
    const write = (s: string) => opts.out.write(s + '\n');
    return {
      started(id) {
        write(`${'start'.padEnd(11)} ${id}`);
      },
      childLine(id, l) {
        if (ROUND_LINE.test(l)) write(`  ${id}: ${l.trim()}`);
      },
      finished(r) {
        finished++;
        write(line(r));
      },
      log: write,
      stop() {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      format: ' {bar} {value}/{total} runs | {running} running | {failed} failed | eta {eta_formatted}',
      hideCursor: true,
      stream: opts.out as NodeJS.WriteStream,
      etaBuffer: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(opts.total, finished, { running, failed });
  let stopped = false;
  const update = () => bar.update(finished, { running, failed });
  return {
    started() {
      running++;
      update();
    },
    childLine() {},
    finished(r) {
      finished++;
      running = Math.max(0, running - 1);
      if (r.status === 'failed') failed++;
      bars.log(line(r) + '\n');
      update();
    },
    log(l) {
      bars.log(l + '\n');
    },
    stop() {
      if (!stopped) bars.stop();
      stopped = true;
    },
  };
}
