// Named errors, tested by class. Messages start with where they come from and say how to fix it.

export class PlexusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A user's config is wrong. `issues` lists each problem as "path: message". */
export class ConfigError extends PlexusError {
  readonly issues: string[];
  constructor(issues: string[] | string, header = 'Invalid config') {
    const list = Array.isArray(issues) ? issues : [issues];
    super(`${header}:\n${list.map((i) => `  - ${i}`).join('\n')}`);
    this.issues = list;
  }
}

export class TopologyError extends PlexusError {}
export class DataError extends PlexusError {}

/** A task failed inside a worker (or inline); names the peer and round where known. */
export class WorkerError extends PlexusError {
  readonly peer?: number;
  readonly round?: number;
  constructor(message: string, opts: { peer?: number; round?: number; cause?: unknown } = {}) {
    super(message);
    this.peer = opts.peer;
    this.round = opts.round;
    if (opts.cause !== undefined) (this as { cause?: unknown }).cause = opts.cause;
  }
}

/** Training blew up: parameters or loss became non-finite or exploded. Names the round (and the peer, when one peer's loss showed it). */
export class DivergenceError extends WorkerError {
  declare readonly round: number;
  constructor(message: string, round: number, peer?: number) {
    super(message, { round, peer });
  }
}
