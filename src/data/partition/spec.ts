// How training examples are split over peers. A tagged union, so each partitioner's
// parameters are typed and the registry in index.ts is checked to cover every kind.

export type PartitionSpec =
  | { readonly kind: 'iid' }
  /** Per-peer class proportions ~ Dir(alpha): 0.1 strongly skewed, 100 near IID. */
  | { readonly kind: 'dirichlet'; readonly alpha: number }
  /** McMahan et al. (2017): label-sorted shards, `perPeer` shards per peer. */
  | { readonly kind: 'shards'; readonly perPeer: number };

export type PartitionKind = PartitionSpec['kind'];

/** The spec of one kind, e.g. SpecOf<'dirichlet'> = { kind: 'dirichlet'; alpha: number }. */
export type SpecOf<K extends PartitionKind> = Extract<PartitionSpec, { kind: K }>;

/** What every partitioner receives, already validated by createPartition. */
export interface PartitionRequest {
  readonly labels: Uint8Array;
  readonly classes: number;
  readonly peers: number;
  readonly examplesPerPeer: number;
}
