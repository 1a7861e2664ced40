// Plug-ins as a researcher uses them: files outside the repository that import only 'plexus',
// named by a config, run by the built CLI inline, in worker threads and in live processes; and
// what a broken one gets.
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plexus, tempDir, writeConfig } from '../cli/helpers.js';
import { EXAMPLE_PLUGINS, metricLines, pluginDir } from './examples.js';

const built = existsSync(join(process.cwd(), 'dist', 'src', 'config', 'plugins.js'));

const base = `seed: 3
peers: 8
rounds: 6
topology: { kind: ring, k: 2 }
data: { dataset: { kind: blobs, classes: 3, features: 6, trainSize: 800, testSize: 200 }, examplesPerPeer: 50 }
model: { kind: logistic }
train: { batchSize: 10 }
eval: { every: 3, testExamples: 200 }
`;

const metrics = metricLines;

describe.skipIf(!built)('plug-ins from the config', () => {
  it('adds an aggregation rule and an attack that run with identical metrics inline and on 2 workers', async () => {
    const dir = pluginDir();
    const cfg = writeConfig(dir, 'c.yaml', `name: plug\nplugins: [./geometric-median.ts, ./mimic.ts]\naggregation: { kind: geometric-median, iterations: 4 }\nadversaries: { peers: [0], attack: { kind: mimic } }\n${base}`);
    const a = await plexus(['run', cfg, '--out', join(dir, 'w0'), '--workers', '0', '-q']);
    expect(a.code, a.stderr).toBe(0);
    const b = await plexus(['run', cfg, '--out', join(dir, 'w2'), '--workers', '2', '-q']);
    expect(b.code, b.stderr).toBe(0);
    expect(metrics(join(dir, 'w2'))).toEqual(metrics(join(dir, 'w0')));
    expect(a.stderr).toMatch(/aggregation geometric-median\(iterations=4/);
    expect(a.stderr).toMatch(/mimic from round 1/);
    const resolved = JSON.parse(readFileSync(join(dir, 'w0', 'config.resolved.json'), 'utf8'));
    expect(resolved.plugins).toEqual([join(dir, 'geometric-median.ts'), join(dir, 'mimic.ts')]);
  }, 60_000);

  it('adds a protocol (Epidemic Learning) that runs with identical metrics inline and on 2 workers, and mixes faster than D-PSGD on a ring', async () => {
    const dir = pluginDir();
    const el = writeConfig(dir, 'el.yaml', `name: el\nplugins: [./epidemic-learning.ts]\nprotocol: { kind: epidemic-learning, s: 2 }\n${base}`);
    const runs = await Promise.all(['0', '2'].map((w) => plexus(['run', el, '--out', join(dir, `el${w}`), '--workers', w, '-q'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(metrics(join(dir, 'el2'))).toEqual(metrics(join(dir, 'el0')));
    // pure averaging (no learning, independent starts): 2 random targets a round contract the
    // spread far faster than a ring's two neighbours (8 peers: 0.81 a round, 0.075 over 6 rounds)
    const averaging = base.replace('ring, k: 2', 'ring, k: 1').replace('train: { batchSize: 10 }', 'train: { batchSize: 10, lr: 0 }\nmodel: { kind: logistic, init: independent }').replace('model: { kind: logistic }\n', '');
    const pure = await Promise.all([
      plexus(['run', writeConfig(dir, 'el-avg.yaml', `name: el-avg\nplugins: [./epidemic-learning.ts]\nprotocol: { kind: epidemic-learning, s: 2 }\n${averaging}`), '--out', join(dir, 'el-avg'), '-q']),
      plexus(['run', writeConfig(dir, 'ring-avg.yaml', `name: ring-avg\n${averaging}`), '--out', join(dir, 'ring-avg'), '-q']),
    ]);
    for (const r of pure) expect(r.code, r.stderr).toBe(0);
    const last = (d: string) => (metrics(join(dir, d)).at(-1) as { consensusDistance: number }).consensusDistance;
    expect(last('el-avg')).toBeLessThan(last('ring-avg') / 4);
    const bad = writeConfig(dir, 'bad.yaml', `name: el\nplugins: [./epidemic-learning.ts]\nprotocol: { kind: epidemic-learning, s: 8 }\n${base}`);
    const r = await plexus(['run', bad, '--out', join(dir, 'bad'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/protocol.s: 8 targets among 7 other peers; use s at most 7/);
  }, 60_000);

  it('adds a model (a funnel of the built-in dense layers) that learns with identical metrics inline and on 2 workers', async () => {
    const dir = pluginDir();
    const model = `plugins: [./funnel-mlp.ts]\n${base.replace('model: { kind: logistic }', 'model: { kind: funnel-mlp, hidden: [16] }')}`;
    const cfg = writeConfig(dir, 'm.yaml', `name: funnel\n${model}`);
    const runs = await Promise.all(['0', '2'].map((w) => plexus(['run', cfg, '--out', join(dir, `m${w}`), '--workers', w, '-q'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(metrics(join(dir, 'm2'))).toEqual(metrics(join(dir, 'm0')));
    expect(runs[0].stderr).toMatch(/model funnel-mlp\[16, 3 layers\] \(299 params\)/); // 6*16+16 + 16*8+8 + 8*4+4 + 4*3+3
    const bad = await plexus(['run', writeConfig(dir, 'bad.yaml', `name: funnel\n${model.replace('hidden: [16]', 'hidden: [2]')}`), '--out', join(dir, 'bad'), '-q']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/model.hidden: 2 cannot halve 2 times; use at least 4/);
  }, 60_000);

  it('runs a plug-in rule and a plug-in protocol (Epidemic Learning) in two live processes with the simulator\'s metrics', async () => {
    const dir = pluginDir();
    const configs = {
      gm: `name: plug-live\nplugins: [./geometric-median.ts]\naggregation: geometric-median\n${base}`,
      el: `name: el-live\nplugins: [./epidemic-learning.ts]\nprotocol: { kind: epidemic-learning, s: 2 }\n${base}`,
    };
    for (const [name, text] of Object.entries(configs)) {
      const cfg = writeConfig(dir, `${name}.yaml`, text);
      const sim = await plexus(['run', cfg, '--out', join(dir, `${name}-sim`), '--workers', '0', '-q']);
      expect(sim.code, sim.stderr).toBe(0);
      const live = await plexus(['live', cfg, '--processes', '2', '--out', join(dir, `${name}-live`), '-q'], { timeout: 90_000 });
      expect(live.code, live.stderr).toBe(0);
      expect(metrics(join(dir, `${name}-live`)), name).toEqual(metrics(join(dir, `${name}-sim`)));
      expect(readFileSync(join(dir, `${name}-live`, 'peers.jsonl'), 'utf8')).toBe(readFileSync(join(dir, `${name}-sim`, 'peers.jsonl'), 'utf8'));
    }
  }, 150_000);

  it('sweeps a plug-in\'s options like a built-in\'s', async () => {
    const dir = pluginDir();
    writeConfig(dir, 'base.yaml', `name: gm\nplugins: [./geometric-median.ts]\naggregation: { kind: geometric-median }\n${base.replace('rounds: 6', 'rounds: 2')}`);
    const sweep = writeConfig(dir, 'sweep.yaml', 'base: base.yaml\nseeds: [1]\ngrid:\n  aggregation.iterations: [1, 5]\n');
    const r = await plexus(['sweep', sweep, '--out', join(dir, 'sw'), '--parallel', '2']);
    expect(r.code, r.stderr).toBe(0);
    const records = readFileSync(join(dir, 'sw', 'sweep.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((x) => [x.params['aggregation.iterations'], x.status])).toEqual([[1, 'done'], [5, 'done']]);
    const bad = writeConfig(dir, 'bad.yaml', 'base: base.yaml\nseeds: [1]\ngrid:\n  aggregation.iterations: [0]\n');
    const b = await plexus(['sweep', bad, '--out', join(dir, 'sw-bad')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/aggregation.iterations: must be >= 1/);
  }, 60_000);

  it('resumes a run with its plug-ins as an uninterrupted run, and refuses a plug-in changed since the checkpoint unless --force', async () => {
    const dir = pluginDir();
    const cfg = writeConfig(dir, 'c.yaml', `name: gm\nplugins: [./geometric-median.ts]\naggregation: geometric-median\n${base}`);
    const whole = await plexus(['run', cfg, '--out', join(dir, 'whole'), '--rounds', '9', '-q']);
    expect(whole.code, whole.stderr).toBe(0);
    const run = await plexus(['run', cfg, '--out', join(dir, 'run'), '--checkpoint-every', '3', '-q']);
    expect(run.code, run.stderr).toBe(0);
    const resumed = await plexus(['resume', join(dir, 'run'), '--rounds', '9', '-q']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(metrics(join(dir, 'run'))).toEqual(metrics(join(dir, 'whole')));
    writeFileSync(join(dir, 'geometric-median.ts'), readFileSync(join(dir, 'geometric-median.ts'), 'utf8') + '\n// changed\n');
    const before = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8');
    const refused = await plexus(['resume', join(dir, 'run'), '--rounds', '12', '-q']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/plugins: .*geometric-median\.ts changed since the checkpoint was written/);
    expect(readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8')).toBe(before);
    const forced = await plexus(['resume', join(dir, 'run'), '--rounds', '12', '--force', '-q']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/resume --force: plugins: .*changed since the checkpoint/);
  }, 90_000);

  describe('a broken plug-in is refused before anything is written (exit 2, naming its file)', () => {
    const cases: [string, string, RegExp][] = [
      ['a missing file', '', /missing\.ts:\n {2}- no such file/],
      ['a syntax error', 'export default {', /broken\.ts:\n {2}- it does not load: .*Expected/],
      ['a default export that is not a plug-in', 'export default { name: "x" };', /broken\.ts:\n {2}- its default export is not a plug-in/],
      ['a kind taken by a built-in', `import { defineAggregation, definePlugin, z } from 'plexus';
export default definePlugin({ name: 'c', aggregations: [defineAggregation({ kind: 'mean', schema: z.object({ kind: z.literal('mean') }), summary: 's', combine() {} })] });`, /the kind 'mean' is taken by a built-in/],
      ['a schema without its kind literal', `import { defineAttack, definePlugin, z } from 'plexus';
export default definePlugin({ name: 'c', attacks: [defineAttack({ kind: 'x', schema: z.object({ kind: z.string() }) as never, summary: 's', craft() {} })] });`, /attacks: 'x': schema must have kind: z.literal\('x'\)/],
      ['an entry without its function', `import { definePlugin, z } from 'plexus';
export default definePlugin({ name: 'c', aggregations: [{ kind: 'y', schema: z.object({ kind: z.literal('y') }), summary: 's' }] });`, /aggregations\[0\] \('y'\): combine\(env, spec, w, src, dst, r0, r1\) must be a function/],
      ['something a plug-in cannot add', `import { definePlugin } from 'plexus';
export default definePlugin({ name: 'c', gizmos: [] } as never);`, /gizmos: not something a plug-in adds/],
    ];
    for (const [what, source, message] of cases) {
      it(what, async () => {
        const dir = pluginDir();
        const file = what === 'a missing file' ? './missing.ts' : './broken.ts';
        if (source) writeFileSync(join(dir, 'broken.ts'), source);
        const cfg = writeConfig(dir, 'c.yaml', `name: broken\nplugins: [${file}]\n${base}`);
        const out = join(dir, 'out');
        const r = await plexus(['run', cfg, '--out', out, '-q']);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/^plexus: Cannot load plug-in /);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
        expect(existsSync(out)).toBe(false);
      });
    }

    it('two plug-ins claiming one kind', async () => {
      const dir = pluginDir();
      copyFileSync(join(dir, 'geometric-median.ts'), join(dir, 'copy.ts'));
      const cfg = writeConfig(dir, 'c.yaml', `name: twice\nplugins: [./geometric-median.ts, ./copy.ts]\n${base}`);
      const r = await plexus(['run', cfg, '--out', join(dir, 'out'), '-q']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/copy\.ts:\n {2}- aggregations: the kind 'geometric-median' is taken by the plug-in .*geometric-median\.ts/);
    });
  });

  it('a plug-in that throws or writes non-finite numbers fails the run naming its file, kind, round and peer (exit 1, files kept)', async () => {
    const dir = pluginDir();
    writeFileSync(join(dir, 'faulty.ts'), `import { definePeerAggregation, definePlugin, z } from 'plexus';
const at = (round: number) => round;
export default definePlugin({ name: 'faulty', aggregations: [
  definePeerAggregation({ kind: 'nan-at-2', schema: z.object({ kind: z.literal('nan-at-2') }).strict(), summary: 'NaN for peer 2',
    merge(_s, h, out) { out.set(h.own); if (h.peer === 2) out[1] = NaN; } }),
  definePeerAggregation({ kind: 'throws-at-5', schema: z.object({ kind: z.literal('throws-at-5') }).strict(), summary: 'throws for peer 5',
    merge(_s, h, out) { if (h.peer === 5) throw new Error('my bug ' + at(1)); out.set(h.own); } }),
] });
`);
    for (const [kind, message] of [
      ['nan-at-2', /plug-in .*faulty\.ts: aggregation 'nan-at-2' wrote NaN \(parameter 1\) at round 1 for peer 2/],
      ['throws-at-5', /plug-in .*faulty\.ts: aggregation 'throws-at-5' threw at round 1 for peer 5: my bug 1/],
    ] as const) {
      for (const workers of ['0', '2']) {
        const cfg = writeConfig(dir, 'c.yaml', `name: faulty\nplugins: [./faulty.ts]\naggregation: ${kind}\n${base}`);
        const out = join(dir, `${kind}-${workers}`);
        const r = await plexus(['run', cfg, '--out', out, '-q', '--workers', workers]);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(message);
        expect(readdirSync(out)).toContain('metrics.jsonl');
        expect(readdirSync(out)).not.toContain('summary.json');
      }
    }
  }, 60_000);
});
