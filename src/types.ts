// Shared shapes of the data flow: topology and mixing (CSR), datasets and partitions
// (flat typed arrays), model layouts, and the engine's typed events.

export type PeerId = number;
export type Round = number;

/** A graph over peers 0..n-1 in CSR form, without self loops. Undirected graphs list each edge both ways. */
export interface Topology {
  readonly n: number;
  readonly directed: boolean;
  /** out-neighbours of i are neighbors[offsets[i] .. offsets[i+1]) , sorted ascending */
  readonly offsets: Int32Array;
  readonly neighbors: Int32Array;
}

/** Sparse mixing matrix x' = W x, self weight included: rows sum to 1 (doubly stochastic for symmetric rules), or columns for push-sum. */
export interface MixingMatrix {
  readonly n: number;
  /** row i: entries cols[offsets[i] .. offsets[i+1]) with weights; the diagonal is one of them */
  readonly offsets: Int32Array;
  readonly cols: Int32Array;
  readonly weights: Float64Array;
}

/** One split of a dataset: row-major features in [0,1] and integer labels. */
export interface DataSplit {
  readonly n: number;
  readonly x: Float32Array; // n * features
  readonly y: Uint8Array; // n
}

/** An example's layout: features = height x width x channels, stored row-major, channels last (HWC). */
export interface InputShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export interface Dataset {
  readonly name: string;
  readonly features: number;
  /** images: their height, width and channels (convolutional models need it); tabular data: absent */
  readonly shape?: InputShape;
  readonly classes: number;
  readonly train: DataSplit;
  readonly test: DataSplit;
}

/** Which training examples each peer holds: peer p owns indices[offsets[p] .. offsets[p+1]). */
export interface Partition {
  readonly peers: number;
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
}

/** One convolutional block: a valid kernel x kernel convolution (stride 1), then max-pooling by `pool` (1: none). */
export interface ConvSpec {
  readonly filters: number;
  readonly kernel: number;
  readonly pool: number;
}

/**
 * The built-in models: dense layers with ReLU between them and softmax cross-entropy on top;
 * `cnn` puts convolutional blocks (conv, pool, activation) before its dense layers.
 */
export interface ModelSpec {
  readonly kind: 'logistic' | 'mlp' | 'cnn';
  readonly inputs: number;
  readonly hidden: readonly number[]; // [] for logistic; the dense layers after the convolutions for cnn
  readonly classes: number;
  /** cnn: the input image (inputs = height x width x channels, HWC) */
  readonly shape?: InputShape;
  /** cnn: the convolutional blocks, in order */
  readonly conv?: readonly ConvSpec[];
  /** cnn: the hidden activation (default relu; mlp is always relu) */
  readonly activation?: 'relu' | 'tanh';
}

export interface ParamTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/** Where each tensor of a model lives in its flat parameter row. */
export interface ParamLayout {
  readonly total: number;
  readonly tensors: readonly ParamTensor[];
}
