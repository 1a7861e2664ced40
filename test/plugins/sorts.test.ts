// The sorts issue 24 opened to plug-ins (topologies, partitions, datasets, models): a kind added to a
// registry is validated, checked, sized and described through its descriptor, like a built-in.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { modelSpecOf } from '../../src/config/model-spec.js';
import { estimateLinks, estimateMemory } from '../../src/config/memory.js';
import { pluginSorts } from '../../src/config/plugin-sorts.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { createPartition, definePartition, partitionRegistry } from '../../src/data/partition/index.js';
import { ConfigError } from '../../src/errors.js';
import { defineModel, modelRegistry } from '../../src/model/registry.js';
import { createRng } from '../../src/rng.js';
import { defineTopology, EdgeBuffer, fromEdgeBuffer, topologyRegistry } from '../../src/topology/index.js';
import { scheduleField } from '../../src/topology/schedule/index.js';

const SOURCE = '/plugins/test-sorts.ts';

afterEach(() => {
  for (const sort of Object.values(pluginSorts)) sort.registry.unregisterSource(SOURCE);
});

/** A d-dimensional hypercube: peers i and i xor 2^b linked. */
const hypercube = defineTopology({
  kind: 'hypercube',
  schema: z.object({ kind: z.literal('hypercube'), ...scheduleField }).strict(),
  summary: 'peers are corners of a hypercube',
  build: (_s, n) => {
    const buf = new EdgeBuffer();
    for (let i = 0; i < n; i++) for (let b = 1; b < n; b *= 2) if ((i ^ b) > i) buf.push(i, i ^ b);
    return fromEdgeBuffer(n, buf, false);
  },
  check: (_s, n) => ((n & (n - 1)) === 0 ? [] : [`topology: a hypercube needs a power of two peers (got ${n})`]),
  estimateLinks: (_s, n) => n * Math.log2(n),
  random: false,
});

const base = { name: 't', rounds: 2, train: { batchSize: 4 }, eval: { testExamples: 50 }, data: { dataset: { kind: 'blobs', trainSize: 400, testSize: 50, features: 4, classes: 3 }, examplesPerPeer: 20 } };

describe('plug-in sorts', () => {
  it('validates, checks and sizes a plug-in topology through its descriptor', () => {
    topologyRegistry.register(hypercube, SOURCE);
    const c = resolveConfig({ ...base, peers: 16, topology: 'hypercube' });
    expect(c.topology).toEqual({ kind: 'hypercube' });
    expect(estimateLinks(c)).toBe(64);
    expect(() => resolveConfig({ ...base, peers: 12, topology: 'hypercube' })).toThrow(/a hypercube needs a power of two peers \(got 12\)/);
    // the resampling schedule reads the descriptor's `random`, and lists the random kinds
    expect(() => resolveConfig({ ...base, peers: 16, topology: { kind: 'hypercube', schedule: { kind: 'resample', every: 2 } } }))
      .toThrow(/hypercube is deterministic; use topology.kind erdos-renyi \| watts-strogatz \| barabasi-albert/);
  });

  it('refuses a topology entry without build, naming what is missing', () => {
    expect(pluginSorts.topologies.check({ ...hypercube, build: undefined })).toMatch(/^build\(spec, n, rng, opts\) must be a function/);
    expect(pluginSorts.topologies.check({ ...hypercube, estimateLinks: 3 })).toBe('estimateLinks must be a function when given');
    expect(pluginSorts.topologies.check(hypercube)).toBeUndefined();
  });

  it('runs a plug-in partition and its check, in the config and before partitioning', () => {
    const firstClass = definePartition({
      kind: 'round-robin',
      schema: z.object({ kind: z.literal('round-robin'), stride: z.number().int().min(1) }).strict(),
      summary: 'peer p takes examples p, p + stride, ...',
      partition: (req, s) => {
        const offsets = new Int32Array(req.peers + 1);
        const indices = new Int32Array(req.peers * req.examplesPerPeer);
        for (let p = 0; p < req.peers; p++) {
          offsets[p + 1] = (p + 1) * req.examplesPerPeer;
          for (let e = 0; e < req.examplesPerPeer; e++) indices[p * req.examplesPerPeer + e] = p + e * s.stride;
        }
        return { offsets, indices };
      },
      check: (s, req) => (s.stride < req.peers ? [{ field: 'stride', problem: `stride ${s.stride} is below the ${req.peers} peers: peers would share examples` }] : []),
      describe: (s) => `round-robin(${s.stride})`,
    });
    partitionRegistry.register(firstClass, SOURCE);
    expect(() => resolveConfig({ ...base, peers: 4, data: { ...base.data, partition: { kind: 'round-robin', stride: 2 } } }))
      .toThrow(/data\.partition\.stride: stride 2 is below the 4 peers/);
    const c = resolveConfig({ ...base, peers: 4, data: { ...base.data, partition: { kind: 'round-robin', stride: 4 } } });
    const part = createPartition(new Uint8Array(400), 3, 4, 20, c.data.partition, createRng(0));
    expect(Array.from(part.indices.subarray(20, 23))).toEqual([1, 5, 9]);
  });

  it('builds a plug-in model as a stack of the built-in dense layers, checked and described by its descriptor', () => {
    const wide = defineModel({
      kind: 'wide',
      schema: z.object({ kind: z.literal('wide') }).strict(),
      summary: 'one hidden layer four times the inputs',
      spec: (_m, sizes) => ({ kind: 'mlp', inputs: sizes.features, hidden: [4 * sizes.features], classes: sizes.classes }),
      resolve: (m) => {
        m.hidden = [];
      },
      describe: () => 'wide',
      sizeFields: 'peers, data.dataset.features',
    });
    modelRegistry.register(wide, SOURCE);
    const c = resolveConfig({ ...base, peers: 4, model: { kind: 'wide' } });
    expect(modelSpecOf(c).hidden).toEqual([16]);
    expect(estimateMemory(c, { workers: 0 }).parts.find((p) => p.what.startsWith('peer parameters'))?.fields).toBe('peers, data.dataset.features');
    expect(() => resolveConfig({ ...base, peers: 4, model: { kind: 'wide', conv: [{ filters: 2, kernel: 3 }] } })).toThrow(/model\.conv: only a cnn has it/);
    expect(() => resolveConfig({ ...base, peers: 4, model: { kind: 'deep' } })).toThrow(ConfigError);
  });
});
