// graphology-layout-forceatlas2 ships no types for its pure iteration step.
declare module 'graphology-layout-forceatlas2/iterate.js' {
  /** One ForceAtlas2 iteration, in place, over the flat node (10 floats each) and edge (3 floats each) matrices. */
  const iterate: (settings: Record<string, unknown>, nodes: Float32Array, edges: Float32Array) => unknown;
  export default iterate;
}
