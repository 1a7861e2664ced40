// The typed messages between the page and its layout worker.

export const PPN = 10; // floats per node in graphology-layout-forceatlas2's matrices
export const PPE = 3; // floats per edge

export interface LayoutStart {
  type: 'start';
  nodes: Float32Array;
  edges: Float32Array;
  settings: Record<string, unknown>;
  maxIterations: number;
  /** settled when the net movement per iteration over `window` iterations is below this fraction of the extent */
  tolerance: number;
  window: number;
  /** how long one batch of iterations may run before positions are sent, ms */
  batchMs: number;
  /** the cap on iterations for each round of a run with plasticity (they start from a settled layout) */
  roundIterations: number;
}

/**
 * A run with plasticity: the edge set of the frame at `index` (one round's links; null: the
 * round has none and keeps the layout of the round before). The layout of round k is defined
 * as the settled layout of round k - 1 (the start layout for the first) carried on round k's
 * links until it settles: a function of the run alone, whatever the viewer's path or timing.
 * Sending a round again (a frame inserted before others) recomputes from there.
 */
export interface LayoutRound {
  type: 'round';
  index: number;
  set: { edges: Float32Array; mass: Float32Array } | null;
}

/** Show the layout of the frame at `index` (computing the rounds up to it first). */
export interface LayoutShow {
  type: 'show';
  index: number;
  /** increasing; positions report the newest one received */
  seq: number;
}

export type ToLayoutWorker = LayoutStart | LayoutRound | LayoutShow;

export interface LayoutPositions {
  type: 'positions';
  /** x, y of each node in matrix order */
  xy: Float32Array;
  iterations: number;
  /** settled: on the start graph, or (after a show) on the round shown */
  settled: boolean;
  /** the newest LayoutShow.seq received (0: none) */
  seq: number;
}
