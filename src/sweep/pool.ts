// Runs jobs as child processes, at most `parallel` at a time, in order. stop() starts nothing
// more and asks the running ones to finish (SIGINT); kill() ends them at once (SIGKILL).
import type { ChildExit, ChildRun } from './child.js';

export interface PoolOptions<J> {
  parallel: number;
  start(job: J): ChildRun;
  onStart?(job: J): void;
  /** `stopped`: stop() had been called when the job ended */
  onExit(job: J, exit: ChildExit, stopped: boolean): void;
}

export interface Pool<J> {
  /** no new jobs; SIGINT to the running ones so they finish their round and write their files */
  stop(): void;
  /** SIGKILL to the running ones */
  kill(): void;
  readonly running: number;
  /** jobs not started (after stop(): never to be started) */
  readonly waiting: readonly J[];
  /** when every started job has exited; rejects if onExit threw */
  readonly done: Promise<void>;
}

export function runPool<J>(jobs: readonly J[], opts: PoolOptions<J>): Pool<J> {
  if (!(opts.parallel >= 1)) throw new RangeError(`parallel must be >= 1 (got ${opts.parallel})`);
  const queue = [...jobs];
  const running = new Map<J, ChildRun>();
  let stopped = false;
  let failure: unknown;
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  // if this process exits for any reason, it takes its children with it
  const killAll = () => running.forEach((c) => c.signal('SIGKILL'));
  process.on('exit', killAll);
  const finishIfIdle = () => {
    if (running.size > 0 || (queue.length > 0 && !stopped)) return;
    process.off('exit', killAll);
    if (failure !== undefined) rejectDone(failure);
    else resolveDone();
  };
  const launch = () => {
    while (!stopped && running.size < opts.parallel && queue.length > 0) {
      const job = queue.shift()!;
      let child: ChildRun;
      try {
        child = opts.start(job);
      } catch (e) {
        failure ??= e;
        pool.stop();
        return;
      }
      running.set(job, child);
      opts.onStart?.(job);
      child.exited.then((exit) => {
        running.delete(job);
        try {
          opts.onExit(job, exit, stopped);
        } catch (e) {
          // a record that cannot be written: stop cleanly and report it
          failure ??= e;
          pool.stop();
        }
        launch();
        finishIfIdle();
      });
    }
  };
  const pool: Pool<J> = {
    stop() {
      if (stopped) return;
      stopped = true;
      running.forEach((c) => c.signal('SIGINT'));
      finishIfIdle();
    },
    kill() {
      stopped = true;
      killAll();
    },
    get running() {
      return running.size;
    },
    get waiting() {
      return queue;
    },
    done,
  };
  launch();
  finishIfIdle();
  return pool;
}
