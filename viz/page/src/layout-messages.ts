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
}

/** The page applied the last positions: the worker may run the next batch. */
export interface LayoutAck {
  type: 'ack';
}

export type ToLayoutWorker = LayoutStart | LayoutAck;

export interface LayoutPositions {
  type: 'positions';
  /** x, y of each node in matrix order */
  xy: Float32Array;
  iterations: number;
  settled: boolean;
}
