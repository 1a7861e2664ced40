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

  it('refuses a noise given with it, naming both and saying to give one, unless it is the noise the target chooses', () => {
    const c = resolveConfig({ ...base, privacy: { dp: { clip: 1, epsilon: 4 } } });
    // the resolved config (noise chosen, epsilon kept) resolves again to itself: resume reads config.resolved.json
    expect(resolveConfig(JSON.parse(JSON.stringify(c))).privacy).toEqual(c.privacy);
    const chosen = c.privacy!.dp.noise;
    for (const noise of [1, 0.5]) {
      const issues = messages({ ...base, privacy: { dp: { clip: 1, noise, epsilon: 4 } } });
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(new RegExp(
        `^privacy\\.dp: noise ${noise} and epsilon 4 are both given, and they disagree: epsilon 4 chooses noise ${chosen} \\(after 300 steps at q = 0\\.0342\\), ` +
        `noise ${noise} gives epsilon [\\d.]+; give one of them: noise for a fixed noise multiplier, or epsilon to have the noise chosen$`,
      ));
    }
  });

  it('refuses a noise multiplier above 1000, the most a target epsilon chooses', () => {
    expect(messages({ ...base, privacy: { dp: { clip: 1, noise: 1000 } } })).toEqual([]);
    const [msg] = messages({ ...base, privacy: { dp: { clip: 1, noise: 1e30 } } });
    expect(msg).toMatch(/^privacy\.dp\.noise: 1e\+30 leaves no signal in a step's gradient .*; use a noise multiplier of at most 1000, the most a target epsilon chooses$/);
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
