// The process pool, with stand-in children: never more than `parallel` at once, in order, and
// stop() starts nothing more and asks the running ones to finish.
import { describe, expect, it } from 'vitest';
import type { ChildExit, ChildRun } from '../../src/sweep/child.js';
import { runPool } from '../../src/sweep/pool.js';

interface Fake extends ChildRun {
  signals: NodeJS.Signals[];
  exit(code: number | null, signal?: NodeJS.Signals): void;
}

function fake(): Fake {
  let resolve!: (e: ChildExit) => void;
  const exited = new Promise<ChildExit>((r) => (resolve = r));
  const signals: NodeJS.Signals[] = [];
  return { pid: 1, signals, signal: (s) => signals.push(s), exited, exit: (code, signal) => resolve({ code, signal: signal ?? null, stderrTail: [] }) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('runPool', () => {
  it('runs the jobs in order, never more than `parallel` at once', async () => {
    const children = new Map<number, Fake>();
    const ended: number[] = [];
    let peak = 0;
    const pool = runPool([1, 2, 3, 4, 5], {
      parallel: 2,
      start: (j) => {
        const c = fake();
        children.set(j, c);
        peak = Math.max(peak, children.size - ended.length);
        return c;
      },
      onExit: (j) => ended.push(j),
    });
    expect([...children.keys()]).toEqual([1, 2]);
    children.get(2)!.exit(0);
    await tick();
    expect([...children.keys()]).toEqual([1, 2, 3]);
    for (const j of [1, 3]) children.get(j)!.exit(0);
    await tick();
    for (const j of [4, 5]) children.get(j)!.exit(1);
    await pool.done;
    expect(ended).toEqual([2, 1, 3, 4, 5]);
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('stop() starts nothing more, sends SIGINT to the running jobs and waits for them; kill() sends SIGKILL', async () => {
    const children: Fake[] = [];
    const stopped: boolean[] = [];
    const pool = runPool([1, 2, 3, 4], {
      parallel: 2,
      start: () => {
        const c = fake();
        children.push(c);
        return c;
      },
      onExit: (_j, _e, s) => stopped.push(s),
    });
    pool.stop();
    expect(children.map((c) => c.signals)).toEqual([['SIGINT'], ['SIGINT']]);
    pool.kill();
    expect(children[0].signals).toEqual(['SIGINT', 'SIGKILL']);
    let settled = false;
    void pool.done.then(() => (settled = true));
    children[0].exit(130);
    await tick();
    expect(settled).toBe(false);
    children[1].exit(null, 'SIGKILL');
    await pool.done;
    expect(children).toHaveLength(2);
    expect(pool.waiting).toEqual([3, 4]);
    expect(stopped).toEqual([true, true]);
  });

  it('rejects `done` when a record cannot be written, after stopping the others', async () => {
    const children: Fake[] = [];
    const pool = runPool([1, 2, 3], {
      parallel: 2,
      start: () => {
        const c = fake();
        children.push(c);
        return c;
      },
      onExit: (j) => {
        if (j === 1) throw new Error('disk full');
      },
    });
    children[0].exit(0);
    await tick();
    expect(children[1].signals).toEqual(['SIGINT']);
    children[1].exit(130);
    await expect(pool.done).rejects.toThrow('disk full');
    expect(children).toHaveLength(2);
  });
});
