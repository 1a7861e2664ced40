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

export type ToLayoutWorker = LayoutStart;

export interface LayoutPositions {
  type: 'positions';
  /** x, y of each node in matrix order */
  xy: Float32Array;
  iterations: number;
  settled: boolean;
}
