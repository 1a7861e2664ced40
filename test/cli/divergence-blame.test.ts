// What `plexus run` says when a run cannot work or blows up: a setting that makes it diverge
// by construction is refused up front (status 2), and a run that diverges (status 1) names what
// in it is the likely cause; only a run with nothing else to blame is told to lower train.lr.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plexus, tempDir, tiny, writeConfig } from './helpers.js';

const dir = tempDir('plexus-blame-');

/** 16 peers: 5 honest ones on a ring, each with two attacking leaves (peer 0 three). */
const maliciousRing = (attack: string) =>
  tiny.replace('peers: 8', 'peers: 16').replace('topology: { kind: ring, k: 1 }', 'topology: malicious-ring\naggregation: { kind: clipped-gossip, tau: 0.1 }')
  + `adversaries: { peers: { count: 11, placement: lowest-degree }, attack: ${attack} }\n`;

const refused: [string, () => string, RegExp][] = [
  ['alie whose default z is infinite (11 attackers of 16)', () => writeConfig(dir, 'alie.yaml', maliciousRing('alie')),
    /adversaries\.attack: alie's default z .* is infinite for n = 16 peers and f = 11 attackers .*; set adversaries\.attack\.z explicitly/],
  ['an explicit infinite z', () => writeConfig(dir, 'alie-inf.yaml', maliciousRing('{ kind: alie, z: .inf }')), /adversaries\.attack\.z: /],
  ['noise and epsilon both given', () => writeConfig(dir, 'both.yaml', tiny + 'privacy: { dp: { clip: 1, noise: 1, epsilon: 4 } }\n'),
    /privacy\.dp: noise 1 and epsilon 4 are both given, and they disagree: .*; give one of them/],
  ['DP noise of 1e30', () => writeConfig(dir, 'noise.yaml', tiny + 'privacy: { dp: { clip: 1, noise: 1e30 } }\n'),
    /privacy\.dp\.noise: 1e\+30 leaves no signal .* at most 1000/],
  ['a CSV feature of 1e39', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i === 17 ? '1e39' : i % 5},${i % 3},${i % 2}`);
    writeConfig(dir, 'train.csv', `a,b,label\n${rows.join('\n')}\n`);
    writeConfig(dir, 'test.csv', `a,b,label\n${rows.slice(0, 10).join('\n')}\n`);
    return writeConfig(dir, 'csv.yaml', tiny.replace(/data: .*\n/, 'data: { dataset: { kind: csv, train: train.csv, test: test.csv, label: label }, examplesPerPeer: 5 }\n').replace('testExamples: 200', 'testExamples: 10'));
  }, /train\.csv: line 19, column 'a': 1e39 is beyond the float32 range features are stored in .*; rescale the column/],
];

const diverged: [string, string, RegExp][] = [
  ['alie with a huge z under the plain mean', tiny + 'adversaries: { peers: [3], attack: { kind: alie, z: 1e30 } }\n',
    /likely cause: 1 of 8 peers attack with alie\(z=1e\+30\) from round 1: the attackers' rows can blow up honest peers unless a robust aggregation is used/],
  ['DP noise that swamps the weights', tiny.replace('batchSize: 10', 'batchSize: 10, lr: 100') + 'privacy: { dp: { clip: 1000, noise: 1000 } }\n',
    /likely cause: DP noise: privacy\.dp\.noise 1000 with privacy\.dp\.clip 1000 adds Gaussian noise of std 1\.00e\+7 to every parameter each step/],
];

describe('plexus run refuses settings that make a run diverge', () => {
  for (const [what, file, message] of refused) {
    it(`exits 2 naming the setting for ${what}`, async () => {
      const r = await plexus(['run', file(), '--out', join(dir, `out-${what.replace(/\W+/g, '-')}`), '--workers', '0'], { timeout: 30_000 });
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toContain('train.lr');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }, 40_000);
  }
});

describe('plexus run names the likely cause of a divergence', () => {
  for (const [what, text, message] of diverged) {
    it(`exits 1 blaming ${what}, not the learning rate`, async () => {
      const r = await plexus(['run', writeConfig(dir, `${what.replace(/\W+/g, '-')}.yaml`, text), '--out', join(dir, `run-${what.replace(/\W+/g, '-')}`), '--workers', '0'], { timeout: 30_000 });
      expect(r.stderr).toMatch(/training diverged at round 1: /);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toContain('train.lr');
    }, 40_000);
  }

  it('exits 1 suggesting a smaller train.lr when nothing else explains it', async () => {
    const r = await plexus(['run', writeConfig(dir, 'lr.yaml', tiny.replace('batchSize: 10', 'batchSize: 10, lr: 1e30')), '--out', join(dir, 'run-lr'), '--workers', '0'], { timeout: 30_000 });
    expect(r.stderr).toMatch(/training diverged at round 1: .*; try a smaller train\.lr/);
    expect(r.code).toBe(1);
  }, 40_000);
});
