// Kinds are named in one place: every built-in kind of every registry may be written as a quoted
// string ('ring', "dpsgd") only in its own module (where its descriptor declares it) and in its
// registry file. Everywhere else the code reads descriptor fields, so a plug-in's kind is treated
// exactly like a built-in's.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregationRegistry } from '../../src/aggregation/index.js';
import { attackRegistry } from '../../src/adversary/index.js';
import { datasetRegistry } from '../../src/data/datasets.js';
import { partitionRegistry } from '../../src/data/partition/index.js';
import { modelRegistry } from '../../src/model/registry.js';
import { rules } from '../../src/plasticity/rules.js';
import { compressionRegistry } from '../../src/protocol/compression/index.js';
import { protocolRegistry } from '../../src/protocol/index.js';
import { topologyRegistry } from '../../src/topology/index.js';
import { scheduleRegistry } from '../../src/topology/schedule/index.js';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

/**
 * Not yet moved, each for a stated reason (remove an entry when its site reads a descriptor):
 * - the local step's label poisoning is being rebuilt as a pipeline stage on another branch, which
 *   reads the attack's poisonsLabels;
 * - ModelSpec.kind names the layer-kernel architecture a model descriptor's spec() chose; the
 *   kernels, the layout, the tfjs layers and the export switch on it. A model that brings its own
 *   kernel needs a kernel field on the descriptor: not done yet.
 */
const PENDING: { file: string; name: string }[] = [
  { file: 'src/engine/tasks.ts', name: 'label-flip' },
  ...['src/types.ts', 'src/model/layout.ts', 'src/model/kernel.ts', 'src/model/layers-kernel.ts', 'src/model/cnn-shape.ts', 'src/export/layers-model.ts', 'src/cli/export-command.ts']
    .flatMap((file) => ['logistic', 'mlp', 'cnn'].map((name) => ({ file, name }))),
];

/** Each sort's built-in kinds and the file that lists them. */
const SORTS: { sort: string; registryFile: string; kinds: string[] }[] = [
  { sort: 'protocols', registryFile: 'src/protocol/index.ts', kinds: builtIns(protocolRegistry) },
  { sort: 'aggregations', registryFile: 'src/aggregation/index.ts', kinds: builtIns(aggregationRegistry) },
  { sort: 'attacks', registryFile: 'src/adversary/index.ts', kinds: builtIns(attackRegistry) },
  { sort: 'compressions', registryFile: 'src/protocol/compression/index.ts', kinds: builtIns(compressionRegistry) },
  { sort: 'topologies', registryFile: 'src/topology/index.ts', kinds: builtIns(topologyRegistry) },
  { sort: 'schedules', registryFile: 'src/topology/schedule/index.ts', kinds: builtIns(scheduleRegistry) },
  { sort: 'partitions', registryFile: 'src/data/partition/index.ts', kinds: builtIns(partitionRegistry) },
  { sort: 'datasets', registryFile: 'src/data/datasets.ts', kinds: builtIns(datasetRegistry) },
  { sort: 'models', registryFile: 'src/model/registry.ts', kinds: builtIns(modelRegistry) },
  { sort: 'plasticity', registryFile: 'src/plasticity/rules.ts', kinds: rules.map((r) => r.kind) },
];

/**
 * Quoted names that are not the kind: the same word meaning something else. Each says why; a new
 * entry needs as good a reason.
 */
const UNRELATED: { file: string; name: string; why: string }[] = [
  { file: 'src/report/figure-spec.ts', name: 'mean', why: 'a vega-lite field of the figure data' },
  { file: 'src/privacy/gaussian.ts', name: 'gaussian', why: 'the name of a WebAssembly module' },
  ...['src/engine/executor.ts', 'src/model/backend.ts', 'src/model/kernel.ts', 'src/model/layout.ts', 'src/report/group.ts', 'src/report/render.ts', 'src/run-format/validate.ts', 'src/sweep/names.ts'].map((file) => ({
    file, name: 'none', why: 'the word none (no tfjs backend, no value, vega renderer), not the compression or plasticity rule',
  })),
  { file: 'src/sweep/names.ts', name: 'ring', why: 'an example in a comment of how a combination reads' },
  { file: 'src/data/idx.ts', name: 'file', why: 'the word file in a message' },
  { file: 'src/safe-file.ts', name: 'file', why: 'the word file in a message' },
  // the loaders name the Dataset they return (Dataset.name); file reading is another team's area
  { file: 'src/data/mnist.ts', name: 'mnist', why: 'Dataset.name of the loaded data' },
  { file: 'src/data/fashion-mnist.ts', name: 'fashion-mnist', why: 'Dataset.name of the loaded data' },
  { file: 'src/data/blobs.ts', name: 'blobs', why: 'Dataset.name of the generated data' },
  { file: 'src/data/idx-dataset.ts', name: 'idx', why: 'Dataset.name of the loaded data' },
  { file: 'src/data/csv.ts', name: 'csv', why: 'Dataset.name of the loaded data' },

  { file: 'src/protocol/gossip-learning.ts', name: 'model', why: 'a gossip message kind (a model or a request), not a model kind' },
  { file: 'src/plasticity/gossip.ts', name: 'model', why: 'a gossip message kind' },
  { file: 'src/engine/async/driver.ts', name: 'model', why: 'a gossip message kind' },
  { file: 'src/live/async/messages.ts', name: 'model', why: 'a gossip message kind' },
  { file: 'src/live/async/node.ts', name: 'model', why: 'a gossip message kind' },
];

function builtIns(r: { kinds(): string[]; sourceOf(k: string): string | undefined }): string[] {
  return r.kinds().filter((k) => r.sourceOf(k) === 'built-in');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(e.name) ? [path] : [];
  });
}

const files = sourceFiles(SRC).map((path) => ({ rel: relative(ROOT, path).split('\\').join('/'), text: readFileSync(path, 'utf8') }));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The files that declare `name` as a kind: its schema's `z.literal('name')` (or `kind: 'name' as const`). */
function ownModules(name: string): Set<string> {
  const decl = new RegExp(`z\\.literal\\(['"]${escape(name)}['"]\\)|kind:\\s*['"]${escape(name)}['"] as const`);
  return new Set(files.filter((f) => decl.test(f.text)).map((f) => f.rel));
}

describe('kind names', () => {
  it('finds the built-in kinds of every registry', () => {
    for (const s of SORTS) expect(s.kinds.length, s.sort).toBeGreaterThan(0);
    expect(files.length).toBeGreaterThan(100);
  });

  it('appear quoted only in their own module and their registry file', () => {
    const violations: string[] = [];
    const registryFiles = new Map<string, Set<string>>();
    for (const s of SORTS) {
      for (const k of s.kinds) {
        const set = registryFiles.get(k) ?? new Set<string>();
        set.add(s.registryFile);
        registryFiles.set(k, set);
      }
    }
    for (const [name, registries] of registryFiles) {
      const allowed = new Set([...ownModules(name), ...registries]);
      expect(ownModules(name).size, `${name} is declared somewhere`).toBeGreaterThan(0);
      const quoted = new RegExp(`['"]${escape(name)}['"]`);
      for (const f of files) {
        if (allowed.has(f.rel) || !quoted.test(f.text)) continue;
        if (UNRELATED.some((u) => u.file === f.rel && u.name === name)) continue;
        if (PENDING.some((u) => u.file === f.rel && u.name === name)) continue;
        const line = f.text.split('\n').findIndex((l) => quoted.test(l)) + 1;
        violations.push(`${f.rel}:${line}: '${name}'`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('fails on a kind name written outside its module (the check itself works)', () => {
    const quoted = new RegExp(`['"]${escape('ring')}['"]`);
    expect(quoted.test("if (t.kind === 'ring') return 2 * t.k;")).toBe(true);
    expect(ownModules('ring')).toContain('src/topology/ring.ts');
  });
});
