// privacy.dp.epsilon: the noise chosen for a target guarantee, checked against the accountant, and
// the messages a config gets when no noise can be chosen.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigError } from '../../src/errors.js';
import { PrivacyAccountant } from '../../src/privacy/accountant.js';
import { largestRate, maxSteps } from '../../src/privacy/target.js';
import { runRecorded, smallConfig } from '../engine/helpers.js';

const base = {
  name: 't', peers: 8, rounds: 300, data: { dataset: { kind: 'blobs', classes: 4, features: 8, trainSize: 8000, testSize: 100 }, examplesPerPeer: 937 },
  train: { batchSize: 32 }, eval: { every: 300, testExamples: 100 },
};
const messages = (raw: unknown): string[] => {
  try {
    resolveConfig(raw);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
};

describe('a target epsilon', () => {
  for (const conversion of ['balle', 'classic'] as const) {
    it(`chooses the smallest noise (4 digits) reaching it after the run's steps (${conversion})`, () => {
      const c = resolveConfig({ ...base, privacy: { dp: { clip: 1, epsilon: 4 }, conversion } });
      const noise = c.privacy!.dp.noise;
      const eps = (n: number) => new PrivacyAccountant({ ...c.privacy!, dp: { ...c.privacy!.dp, noise: n } }).epsilon(largestRate(c), maxSteps(c)!);
      expect(largestRate(c)).toBeCloseTo(32 / 937, 12);
      expect(eps(noise)).toBeLessThanOrEqual(4);
      // one step down in the 4th digit overshoots
      expect(eps(noise * (1 - 2e-3))).toBeGreaterThan(4);
      expect(noise.toPrecision(4)).toBe(String(noise));
    });
  }

  it('keeps a noise given with it when it reaches the target, and says when it does not', () => {
    const c = resolveConfig({ ...base, privacy: { dp: { clip: 1, epsilon: 4 } } });
    // the resolved config resolves again to itself (resume reads config.resolved.json)
    expect(resolveConfig(JSON.parse(JSON.stringify(c))).privacy).toEqual(c.privacy);
    const [msg] = messages({ ...base, privacy: { dp: { clip: 1, noise: 0.5, epsilon: 4 } } });
    expect(msg).toMatch(/^privacy\.dp: noise 0\.5 gives epsilon [\d.]+ after 300 steps at q = 0\.0342, above the target epsilon 4; remove noise/);
  });

  it('refuses what it cannot choose for, saying what to do', () => {
    expect(messages({ ...base, privacy: { dp: { clip: 1 } } })).toEqual(['privacy.dp: give noise (the noise multiplier) or epsilon (a target the noise is chosen for)']);
    expect(messages({ ...base, privacy: { dp: { clip: 1, epsilon: 1e-4 } } })[0]).toMatch(/^privacy\.dp\.epsilon: epsilon 0\.0001 is out of reach: even noise 1000 gives .* allow a larger epsilon/);
    const async = { ...base, protocol: 'gossip-learning', time: 'async' };
    expect(messages({ ...async, privacy: { dp: { clip: 1, epsilon: 4 } } })[0]).toMatch(/^privacy\.dp\.epsilon: in asynchronous time .* give privacy\.dp\.noise$/);
  });

  it('ends a run at most at the target, and close to it', async () => {
    const { rounds, summary } = await runRecorded(smallConfig({ rounds: 20, privacy: { dp: { clip: 1, epsilon: 2 } } }));
    expect(summary.finalEpsilon).toBeLessThanOrEqual(2);
    expect(summary.finalEpsilon).toBeGreaterThan(1.99);
    expect(rounds.filter((r) => r.epsilon !== undefined).map((r) => r.epsilon)).toEqual([...rounds.filter((r) => r.epsilon !== undefined).map((r) => r.epsilon)].sort((a, b) => a! - b!));
  });
});
