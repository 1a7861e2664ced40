// How much memory a run will take, estimated from its resolved config before anything is
// allocated, checked against the limit (memory-limit.ts) and against sizes nothing can hold.
import { constants as bufferConstants } from 'node:buffer';
import { ConfigError } from '../errors.js';
import { createLayout, layerSizes } from '../model/layout.js';
import { convBlocks } from '../model/cnn-shape.js';
import { CNN_EVAL_CHUNK, planConv } from '../wasm/conv-plan.js';
import { modelSpecOf } from './model-spec.js';
import { modelOf } from '../model/registry.js';
import { createOptimizer } from '../model/optimizer.js';
import { protocolOf } from '../protocol/index.js';
import { topologyOf } from '../topology/index.js';
import { scheduleOf } from '../topology/schedule/index.js';
import { craftsMessages } from '../adversary/index.js';
import { datasetSizes } from './checks.js';
import { datasetMemory } from '../data/datasets.js';
import type { ExperimentConfig } from './schema.js';
import { defaultMemoryLimit, formatBytes, type MemoryLimit } from './memory-limit.js';

export { cgroupMemoryLimit, defaultMemoryLimit, formatBytes, parseSize, type MemoryLimit } from './memory-limit.js';

const MB = 2 ** 20;
/** Node.js, TF.js and the WebAssembly kernels, before any run state (measured: ~150 MB). */
export const RUNTIME_BYTES = 150 * MB;
/** One worker thread: its own V8 isolate, TF.js and kernels (measured: ~30-60 MB). */
export const WORKER_BYTES = 50 * MB;
/** The longest typed array this Node.js allocates (2^32 elements on Node 20). */
const MAX_ELEMENTS = bufferConstants.MAX_LENGTH;

export interface MemoryPart {
  /** what takes the memory, with the arithmetic */
  what: string;
  /** the config fields or options that size it: where to look to shrink it */
  fields: string;
  bytes: number;
}

export interface MemoryEstimate {
  total: number;
  /** largest first */
  parts: MemoryPart[];
}

/** Thrown when a run would not fit: exit 2, like any other config that cannot run. */
export class MemoryLimitError extends ConfigError {
  constructor(readonly estimate: MemoryEstimate, readonly limit: MemoryLimit) {
    const top = estimate.parts.slice(0, 3).map((p) => `${p.fields}: ${p.what} = ${formatBytes(p.bytes)}`);
    super(
      [...top, `fix: fewer peers, a smaller model or dataset, a sparser graph or fewer --workers; or, if you know it fits, raise the limit with --max-memory (e.g. --max-memory ${suggestLimit(estimate.total)})`],
      `Not enough memory: this run needs about ${formatBytes(estimate.total)}, more than the limit of ${formatBytes(limit.bytes)} (${limit.source})`,
    );
  }
}

/**
 * Peak bytes the run will hold, from what set-up allocates (src/engine/setup.ts and
 * shared-state.ts) and what the executor threads add. Deliberately simple and a little high.
 */
export function estimateMemory(c: ExperimentConfig, run: { workers: number }): MemoryEstimate {
  const n = c.peers;
  const sizes = datasetSizes(c);
  const hidden = hiddenOf(c);
  const dim = paramCount(c);
  const row = `${n.toLocaleString('en-US')} peers x ${dim.toLocaleString('en-US')} params x 4 bytes`;
  const modelFields = modelOf(c.model.kind).sizeFields;
  const parts: MemoryPart[] = [
    { what: 'Node.js, TF.js and kernels', fields: 'runtime', bytes: RUNTIME_BYTES },
    { what: `peer parameters, 2 copies of ${row}`, fields: modelFields, bytes: 2 * n * dim * 4 },
  ];
  const crafted = craftedLinks(c);
  if (crafted > 0) parts.push({ what: `crafted messages, 2 copies of ${crafted.toLocaleString('en-US')} adversarial links x ${dim.toLocaleString('en-US')} params x 4 bytes`, fields: 'adversaries', bytes: 2 * crafted * dim * 4 });
  const slots = createOptimizer(c.train.optimizer, c.train.lr).slots;
  if (slots > 0) parts.push({ what: `${c.train.optimizer.kind} state, ${slots} x ${row}`, fields: 'train.optimizer', bytes: slots * n * dim * 4 });
  const rows = protocolOf(c.protocol.kind).needs.buffers?.length ?? 0;
  if (rows > 0) parts.push({ what: `${c.protocol.kind} state, ${rows} x ${row}`, fields: 'protocol', bytes: rows * n * dim * 4 });
  if (c.time.mode === 'async') parts.push({ what: `models in flight, about one per peer (${row})`, fields: 'time', bytes: n * dim * 4 });
  parts.push(datasetPart(c, sizes));
  const shaped = shapedPart(c, sizes, dim);
  if (shaped) parts.push(shaped);
  parts.push(graphPart(c, run.workers));
  const threads = Math.max(1, run.workers);
  // a gradient, kernel scratch and a minibatch's activations per thread; the tfjs paths hold tensors too
  const width = sizes.features + hidden.reduce((a, b) => a + b, 0) + sizes.classes;
  const perThread = 2 * dim * 4 + 4 * c.train.batchSize * width * 4 + (c.model.path === 'fast' ? 0 : 4 * dim * 4 + 100 * MB) + cnnScratch(c);
  parts.push({ what: `per-thread model scratch, ${threads} thread(s)`, fields: 'model.hidden, train.batchSize', bytes: threads * perThread });
  if (run.workers > 0) parts.push({ what: `${run.workers} worker thread(s) x ${WORKER_BYTES / MB} MB`, fields: '--workers', bytes: run.workers * WORKER_BYTES });
  // shards (partition and its shuffled copy) and per-peer results (JSON lines, topology.json nodes)
  const perPeer = n * c.data.examplesPerPeer * 4 * 3 + n * (400 + sizes.classes * 24);
  parts.push({ what: 'data shards and per-peer results', fields: 'peers, data.examplesPerPeer', bytes: perPeer });
  parts.sort((a, b) => b.bytes - a.bytes);
  return { total: parts.reduce((s, p) => s + p.bytes, 0), parts };
}

/** Links from an adversary to an honest peer (extra parameter rows): exact on regular graphs, an upper bound otherwise. */
export function craftedLinks(c: ExperimentConfig): number {
  const a = c.adversaries;
  if (!a || !craftsMessages(a.attack)) return 0;
  const n = c.peers;
  const f = Array.isArray(a.peers) ? new Set(a.peers).size : a.peers.count;
  const t = c.topology;
  const degree = topologyOf(t.kind).maxDegree?.(t as never, n) ?? n - 1;
  return Math.min(estimateLinks(c), f * degree);
}

/** data.clusters and plasticity's probes: the peers' examples gathered (transformed) and shared, a test block per cluster, the cosine signal's row copy. */
function shapedPart(c: ExperimentConfig, sizes: ReturnType<typeof datasetSizes>, dim: number): MemoryPart | undefined {
  if (!c.data.clusters && !c.plasticity) return undefined;
  const example = sizes.features * 4 + 1;
  const blocks = c.data.clusters?.count ?? 1;
  const testN = Math.min(c.eval.testExamples, sizes.test);
  const prev = c.plasticity?.signal === 'cosine' ? c.peers * dim * 4 : 0;
  return {
    what: `clustered or held-out data: 2 copies of ${c.peers} peers x ${c.data.examplesPerPeer} examples and of ${blocks} test block(s) of ${testN}`,
    fields: 'data.clusters, plasticity',
    bytes: 2 * (c.peers * c.data.examplesPerPeer + blocks * testN) * example + prev,
  };
}

function hiddenOf(c: ExperimentConfig): readonly number[] {
  return modelSpecOf(c).hidden;
}

/** A cnn kernel's memory (patches, conv outputs, pools, lists) for a batch; 0 for other models. */
function cnnScratch(c: ExperimentConfig): number {
  if (!modelOf(c.model.kind).convScratch) return 0;
  const spec = modelSpecOf(c);
  const dims = layerSizes(spec);
  return 4 * planConv(convBlocks(spec.shape!, spec.conv!), dims, createLayout(spec).total, spec.inputs, Math.max(c.train.batchSize, CNN_EVAL_CHUNK)).floats;
}

/** Parameters per peer (one row). */
export function paramCount(c: ExperimentConfig): number {
  return createLayout(modelSpecOf(c)).total;
}

function datasetPart(c: ExperimentConfig, sizes: ReturnType<typeof datasetSizes>): MemoryPart {
  return datasetMemory(c.data.dataset, Math.min(c.eval.testExamples, sizes.test));
}

/** Directed links (CSR entries) the topology will have; an upper bound for random and file graphs. */
export function estimateLinks(c: ExperimentConfig): number {
  const n = c.peers;
  const t = c.topology;
  return topologyOf(t.kind).estimateLinks?.(t as never, n) ?? n * (n - 1);
}

function graphPart(c: ExperimentConfig, workers: number): MemoryPart {
  const n = c.peers;
  const links = estimateLinks(c);
  // topology (int32 neighbours) + mixing matrix (int32 columns, float64 weights, self loops);
  // a resampled graph is built next to the old one; traffic counters per link; Lanczos vectors
  const matrix = links * 4 + (links + n) * 12;
  const t = topologyOf(c.topology.kind);
  const copies = scheduleOf(c.topology.schedule).graphCopies ?? 1;
  const counters = c.time.mode === 'async' ? links * 8 * 3 : 0;
  const lanczos = Math.min(256 * MB, 300 * n * 8);
  // a mixing matrix travels to each worker with its tasks (a complete graph averages instead)
  const sent = workers > 0 && !t.complete ? 2 * workers * (links + n) * 12 : 0;
  const file = t.buildBytes?.(c.topology as never, links) ?? 0;
  return {
    what: `graph: ${links.toLocaleString('en-US')} links (topology, mixing weights${counters ? ', per-link counters' : ''}${sent ? ', copies sent to workers' : ''})`,
    fields: t.complete ? `peers, topology (${c.topology.kind}: peers^2 links)` : 'peers, topology',
    bytes: copies * matrix + counters + lanczos + sent + file,
  };
}

/** Sizes no amount of memory allows: links are indexed by int32, each big array has a maximum length. */
export function sizeIssues(c: ExperimentConfig): string[] {
  const out: string[] = [];
  const links = estimateLinks(c);
  if (links > 2 ** 31 - 1) {
    out.push(`topology: about ${links.toLocaleString('en-US')} links, more than the ${(2 ** 31 - 1).toLocaleString('en-US')} Plexus can index (32-bit); use fewer peers or a sparser topology`);
  }
  const sizes = datasetSizes(c);
  const dim = paramCount(c);
  if (c.peers * dim > MAX_ELEMENTS) {
    out.push(`peers, model.hidden: ${c.peers.toLocaleString('en-US')} peers x ${dim.toLocaleString('en-US')} params is more than the ${MAX_ELEMENTS.toLocaleString('en-US')} numbers one array can hold; use fewer peers or a smaller model`);
  }
  if (sizes.train * sizes.features > MAX_ELEMENTS) {
    out.push(`data.dataset: ${sizes.train.toLocaleString('en-US')} examples x ${sizes.features.toLocaleString('en-US')} features is more than the ${MAX_ELEMENTS.toLocaleString('en-US')} numbers one array can hold; use fewer examples or features`);
  }
  return out;
}

/** Throws when a size cannot be held at all (ConfigError) or the estimate exceeds the limit (MemoryLimitError). */
export function checkMemory(c: ExperimentConfig, run: { workers: number }, limit: MemoryLimit = defaultMemoryLimit()): MemoryEstimate {
  const impossible = sizeIssues(c);
  if (impossible.length > 0) throw new ConfigError(impossible, 'Too large to run');
  const estimate = estimateMemory(c, run);
  if (estimate.total > limit.bytes) throw new MemoryLimitError(estimate, limit);
  return estimate;
}

/** A round --max-memory value above `bytes`, for the hint. */
function suggestLimit(bytes: number): string {
  const g = bytes / 2 ** 30;
  return g >= 1 ? `${Math.ceil(g * 1.1)}G` : `${Math.ceil((bytes / MB) * 1.1)}M`;
}
