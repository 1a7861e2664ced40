// The starting files `plexus new plugin` writes: a plug-in of one sort, a small config that uses
// it, and a check that runs that config inline and on 2 worker threads and compares the lines.

export const NEW_PLUGIN_KINDS = ['aggregation', 'attack', 'protocol'] as const;
export type NewPluginKind = (typeof NEW_PLUGIN_KINDS)[number];

const sources: Record<NewPluginKind, (name: string) => string> = {
  aggregation: (name) => `// ${name}: an aggregation rule, written one peer at a time (see docs/plugins.md).
import { definePeerAggregation, definePlugin, z } from 'plexus';

export const rule = definePeerAggregation({
  kind: '${name}',
  schema: z.object({ kind: z.literal('${name}') }).strict(),
  summary: 'the mixing-weighted mean of self and neighbours (edit me)',
  merge(_spec, { own, selfWeight, neighbours, weights }, out) {
    for (let c = 0; c < own.length; c++) out[c] = selfWeight * own[c];
    neighbours.forEach((row, k) => {
      for (let c = 0; c < own.length; c++) out[c] += weights[k] * row[c];
    });
  },
});

export default definePlugin({ name: '${name}', aggregations: [rule] });
`,
  attack: (name) => `// ${name}: an attack; each adversary writes the model it sends each honest neighbour (see docs/plugins.md).
import { defineAttack, definePlugin, z } from 'plexus';

export const attack = defineAttack({
  kind: '${name}',
  schema: z.object({ kind: z.literal('${name}'), scale: z.number().positive().default(2) }).strict(),
  summary: 'send scale x the honest model (edit me)',
  craft(spec, env, out) {
    const o = env.from * env.dim;
    for (let c = 0; c < env.dim; c++) out[c] = spec.scale * env.x[o + c];
  },
});

export default definePlugin({ name: '${name}', attacks: [attack] });
`,
  protocol: (name) => `// ${name}: a synchronous protocol driving the engine's primitives (see docs/plugins.md).
import { defineProtocol, definePlugin, trafficOf, z } from 'plexus';

export const protocol = defineProtocol({
  kind: '${name}',
  schema: z.object({ kind: z.literal('${name}') }).strict(),
  summary: 'local steps, then the neighbour average (edit me)',
  needs: { time: 'sync', directed: false, timeVarying: true, aggregation: true },
  messageBytes: (_spec, dim) => dim * 4,
  create: (_spec, ctx) => ({
    async round(ops, round) {
      const g = ctx.schedule.at(round);
      await ops.trainThenMix(round, g.mixing);
      return trafficOf(g.outDegrees, ctx.messageBytes);
    },
  }),
});

export default definePlugin({ name: '${name}', protocols: [protocol] });
`,
};

const uses: Record<NewPluginKind, (name: string) => string> = {
  aggregation: (name) => `aggregation: { kind: ${name} }\n`,
  attack: (name) => `adversaries: { peers: [0], attack: { kind: ${name} } }\naggregation: { kind: median }\n`,
  protocol: (name) => `protocol: { kind: ${name} }\n`,
};

export function pluginSource(kind: NewPluginKind, name: string): string {
  return sources[kind](name);
}

export function pluginConfig(kind: NewPluginKind, name: string): string {
  return `# A small run of the ${name} plug-in: plexus run ${name}.yaml
name: ${name}
seed: 1
peers: 8
rounds: 10
plugins: [./${name}.ts]
topology: { kind: ring, k: 2 }
data: { dataset: { kind: blobs, classes: 3, features: 6, trainSize: 800, testSize: 200 }, examplesPerPeer: 50 }
model: { kind: logistic }
${uses[kind](name)}eval: { every: 5, testExamples: 200 }
`;
}

/** A node:test file: the config inline and on 2 workers give the same lines (plexus's determinism rule). */
export function pluginCheck(name: string, bin: string): string {
  return `// Checks the ${name} plug-in as Plexus checks its own kinds: node --test ${name}.test.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const plexus = process.env.PLEXUS_BIN ?? ${JSON.stringify(bin)};
const lines = (dir) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\\n').map((l) => {
  const { roundSeconds, ...rest } = JSON.parse(l);
  return rest;
});

test('${name} gives the same metrics inline and on 2 worker threads', () => {
  const out = mkdtempSync(join(tmpdir(), '${name}-'));
  for (const w of ['0', '2']) execFileSync(process.execPath, [plexus, 'run', join(here, '${name}.yaml'), '--out', join(out, w), '--workers', w, '-q']);
  assert.deepEqual(lines(join(out, '2')), lines(join(out, '0')));
});
`;
}
