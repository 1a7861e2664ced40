// The CLI as a user meets it: spawned as a process, exit codes, messages, files.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plexus, tempDir, tiny, writeConfig } from './helpers.js';

const dir = tempDir();
const configFile = (name: string, text: string) => writeConfig(dir, name, text);

describe('plexus run', () => {
  it('writes the run directory with the documented files and fields', async () => {
    const out = join(dir, 'ok');
    const r = await plexus(['run', configFile('tiny.yaml', tiny), '--out', out, '--workers', '0']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`files: ${out}/`);
    expect(r.stderr).toMatch(/backend [\w-]+, \w+ kernel/);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.round)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const l of lines) {
      expect(typeof l.consensusDistance).toBe('number');
      expect(typeof l.bytesSent).toBe('number');
    }
    // ring k=1: 8 peers each send to 2 neighbours, 4 bytes per float, 6*3+3 params
    expect(lines[0].bytesSent).toBe(8 * 2 * 4 * 21);
    expect(lines[5].bytesSent).toBe(6 * 8 * 2 * 4 * 21);
    expect(Object.keys(lines[2])).toEqual(expect.arrayContaining(['meanAccuracy', 'minAccuracy', 'maxAccuracy', 'meanLoss']));
    expect(lines[3].meanAccuracy).toBeUndefined();
    expect(lines[5].meanAccuracy).toBeGreaterThan(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    for (const k of ['config', 'finalMeanAccuracy', 'rounds', 'peerSteps', 'wallSeconds', 'peerStepsPerSecond', 'backend', 'spectralGap']) {
      expect(summary).toHaveProperty(k);
    }
    expect(summary.peerSteps).toBe(48);
    expect(JSON.parse(readFileSync(join(out, 'config.resolved.json'), 'utf8')).peers).toBe(8);
    const topo = JSON.parse(readFileSync(join(out, 'topology.json'), 'utf8'));
    expect(topo.nodes).toHaveLength(8);
    expect(topo.edges).toHaveLength(8);
  }, 60_000);

  const bad: [string, string, RegExp][] = [
    ['an unknown key', tiny.replace('rounds: 6', 'roudns: 6'), /roudns: unknown key \(did you mean 'rounds'\?\)/],
    ['peers < 1', tiny.replace('peers: 8', 'peers: 0'), /peers: must be >= 1 \(got 0\)/],
    ['a ring k too large', tiny.replace('k: 1', 'k: 4'), /topology\.k: a ring of 8 peers allows k at most 3/],
    ['alpha <= 0', tiny.replace('examplesPerPeer: 50 }', 'examplesPerPeer: 50, partition: { kind: dirichlet, alpha: -1 } }'), /data\.partition\.alpha: must be > 0/],
    ['too many examples', tiny.replace('examplesPerPeer: 50', 'examplesPerPeer: 500'), /data\.examplesPerPeer: 8 peers x 500 examples = 4000 exceeds the 800/],
    ['a missing topology file', tiny.replace('{ kind: ring, k: 1 }', '{ kind: file, path: nowhere.txt }'), /topology\.path: file not found: .*nowhere\.txt/],
    ['a YAML syntax error', tiny.replace('rounds: 6', 'rounds: [6'), /line \d+, column \d+/],
  ];
  for (const [what, text, message] of bad) {
    it(`exits with status 2 and one clear message for ${what}`, async () => {
      const out = join(dir, `bad-${what.replace(/\W+/g, '-')}`);
      const r = await plexus(['run', configFile(`${what.replace(/\W+/g, '-')}.yaml`, text), '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(out) ? readdirSync(out) : []).not.toContain('summary.json');
      expect(existsSync(out)).toBe(false);
    });
  }

  it('exits with status 2 when the config file does not exist', async () => {
    const r = await plexus(['run', join(dir, 'missing.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing\.yaml: no such config file/);
  });

  it('names the line of a bad edge-list file, and leaves no run directory behind', async () => {
    const edges = configFile('edges.txt', '0 1\n1 2\n2 x\n');
    const out = join(dir, 'edges-run', 'nested');
    const r = await plexus(['run', configFile('edges.yaml', tiny.replace('{ kind: ring, k: 1 }', `{ kind: file, path: ${edges} }`)), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 3/);
    // the graph is read while the engine is built, after the directory was made: it is removed again
    expect(existsSync(join(dir, 'edges-run'))).toBe(false);
  });

  it('warns about a disconnected topology and names its components', async () => {
    const edges = configFile('two.txt', '# two triangles and two loners\n0 1\n1 2\n2 0\n3 4\n4 5\n5 3\n');
    const out = join(dir, 'disc');
    const r = await plexus(['run', configFile('two.yaml', tiny.replace('{ kind: ring, k: 1 }', `{ kind: file, path: ${edges} }`)), '--out', out, '--workers', '0']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: topology is disconnected: 4 components of sizes 3, 3, 1, 1/);
  }, 60_000);

  it('rejects a bad option value with status 2', async () => {
    const r = await plexus(['run', configFile('tiny2.yaml', tiny), '--workers', 'many']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--workers must be an integer >= 0/);
  });

  it('explains every option in --help', async () => {
    const top = await plexus(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/run \[options\] <config>/);
    const r = await plexus(['run', '--help']);
    for (const opt of ['--out', '--seed', '--quiet', '--workers', '--backend', '--viz']) expect(r.stdout).toContain(opt);
  });
});
