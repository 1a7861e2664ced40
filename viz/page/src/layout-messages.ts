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

/**
 * A new edge set (a round's plasticity links). The worker queues these and applies each only
 * once the layout on the previous one has settled (or run `maxIterations`), so where it lands
 * depends on the sequence of edge sets alone, never on timing.
 */
export interface LayoutEdges {
  type: 'edges';
  /** increasing; positions report the newest one received */
  seq: number;
  edges: Float32Array;
  /** per node: 1 + its links in and out */
  mass: Float32Array;
  maxIterations: number;
}

export type ToLayoutWorker = LayoutStart | LayoutEdges;

export interface LayoutPositions {
  type: 'positions';
  /** x, y of each node in matrix order */
  xy: Float32Array;
  iterations: number;
  /** settled on the newest edge set, none queued */
  settled: boolean;
  /** the newest LayoutEdges.seq received (0: none) */
  seq: number;
}
