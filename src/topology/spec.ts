// The declarative description of a topology: what a resolved config holds and what
// createTopology turns into a CSR graph. Peer count and randomness come separately.

export type TopologySpec =
  | { readonly kind: 'complete' }
  | { readonly kind: 'ring'; readonly k: number }
  | { readonly kind: 'torus'; readonly rows: number; readonly cols: number }
  | { readonly kind: 'erdos-renyi'; readonly p: number }
  | { readonly kind: 'watts-strogatz'; readonly k: number; readonly beta: number }
  | { readonly kind: 'barabasi-albert'; readonly m: number }
  | { readonly kind: 'star' }
  | { readonly kind: 'file'; readonly path: string; readonly directed?: boolean }
  | { readonly kind: 'directed-ring' }
  | { readonly kind: 'directed-exponential' };

export type TopologyKind = TopologySpec['kind'];

/** The spec of one kind, e.g. TopologySpecOf<'ring'> = { kind: 'ring'; k: number }. */
export type TopologySpecOf<K extends TopologyKind> = Extract<TopologySpec, { kind: K }>;
