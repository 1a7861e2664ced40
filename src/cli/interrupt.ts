// Ctrl-C during a run: the first asks for a clean stop, the second stops at once. What each does
// changes as the run goes (set-up, rounds, the live view), so the actions are swapped in place.
export interface Interrupts {
  /** Ctrl-C presses so far */
  readonly count: number;
  /** resolves at the first Ctrl-C */
  readonly first: Promise<void>;
  /** What the first and the second (and any later) Ctrl-C do from now on. */
  on(first: () => void, second: () => void): void;
  dispose(): void;
}

export function watchInterrupts(signal: NodeJS.Signals = 'SIGINT'): Interrupts {
  let count = 0;
  let onFirst = () => {};
  let onSecond = () => {};
  let resolveFirst!: () => void;
  const first = new Promise<void>((r) => (resolveFirst = r));
  // registering a listener replaces Node's default (exit at once), so both presses come here
  const listener = () => {
    count++;
    if (count === 1) {
      resolveFirst();
      onFirst();
    } else {
      onSecond();
    }
  };
  process.on(signal, listener);
  return {
    get count() {
      return count;
    },
    first,
    on(f, s) {
      onFirst = f;
      onSecond = s;
    },
    dispose() {
      process.off(signal, listener);
    },
  };
}
