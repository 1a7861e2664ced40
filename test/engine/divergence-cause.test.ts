// A diverged run names what in it explains the divergence (an attack, DP noise, the checkpoint it
// was restored from, extreme features) and suggests a smaller learning rate only when nothing does.
import { describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../../src/config/schema.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import type { Checkpoint } from '../../src/checkpoint/index.js';
import { DivergenceError } from '../../src/errors.js';
import { divergenceAdvice } from '../../src/metrics/divergence-cause.js';
import type { Dataset } from '../../src/types.js';
import { smallConfig } from './helpers.js';

/** Runs to the end or to the error; returns the error (undefined when the run finished). */
async function failure(config: ExperimentConfig, opts: EngineOptions = {}): Promise<Error | undefined> {
  const engine = await Engine.create(config, { workers: 0, ...opts });
  try {
    await engine.run();
    return undefined;
  } catch (e) {
    return e as Error;
  } finally {
    await engine.close();
  }
}

const ring2 = { topology: { kind: 'ring', k: 2 }, rounds: 4, eval: { every: 2, testExamples: 200 } };

describe('divergence messages', () => {
  it('blame the learning rate when nothing else in the run explains it', async () => {
    const e = await failure(smallConfig({ ...ring2, train: { lr: 1e30, batchSize: 16 } }));
    expect(e).toBeInstanceOf(DivergenceError);
    expect(e!.message).toMatch(/; try a smaller train\.lr$/);
  });

  it('name an attack with its settings and the missing robust aggregation, not the learning rate', async () => {
    const e = await failure(smallConfig({ ...ring2, adversaries: { peers: [3, 11], attack: { kind: 'alie', z: 1e30 } } }));
    expect(e).toBeInstanceOf(DivergenceError);
    expect((e as DivergenceError).round).toBe(1);
    expect(e!.message).toContain('likely cause: 2 of 16 peers attack with alie(z=1e+30) from round 1');
    expect(e!.message).toContain("the attackers' rows can blow up honest peers unless a robust aggregation is used (aggregation is mean; use one of median, trimmed-mean");
    expect(e!.message).not.toContain('train.lr');
    // the same run without the attack learns: the attack is what broke it
    expect(await failure(smallConfig(ring2))).toBeUndefined();
  });

  it('name DP noise that swamps the weights, with its noise and clip', async () => {
    const e = await failure(smallConfig({ ...ring2, train: { lr: 100, batchSize: 16 }, privacy: { dp: { clip: 1000, noise: 1000 } } }));
    expect(e).toBeInstanceOf(DivergenceError);
    expect(e!.message).toMatch(/likely cause: DP noise: privacy\.dp\.noise 1000 with privacy\.dp\.clip 1000 adds Gaussian noise of std 6\.25e\+6 to every parameter each step/);
    expect(e!.message).toContain('lower privacy.dp.noise or privacy.dp.clip');
    expect(e!.message).not.toContain('train.lr');
  });

  it('leave DP out of it when its noise is small: a run with DP and a huge learning rate is told about the learning rate', async () => {
    // clipped to norm 1, a step moves at most lr: 1e8 explodes, and noise 0 adds nothing
    const e = await failure(smallConfig({ ...ring2, train: { lr: 1e8, batchSize: 16 }, privacy: { dp: { clip: 1, noise: 0 } } }));
    expect(e).toBeInstanceOf(DivergenceError);
    expect(e!.message).toMatch(/; try a smaller train\.lr$/);
  });

  it('say the checkpoint is corrupt when the restored parameters are already diverged', async () => {
    const config = smallConfig({ ...ring2, rounds: 2 });
    let checkpoint: Checkpoint | undefined;
    const engine = await Engine.create(config, { workers: 0 });
    engine.on('round', (m) => {
      if (m.round === 2) checkpoint = engine.checkpoint();
    });
    await engine.run();
    await engine.close();
    // one flipped exponent bit: a weight of order 1 becomes ~1e38
    const bytes = new Uint8Array(checkpoint!.engine.params.buffer, checkpoint!.engine.params.byteOffset, 4);
    bytes[3] ^= 0x40;
    const e = await failure({ ...config, rounds: 4 }, { resume: checkpoint });
    expect(e).toBeInstanceOf(DivergenceError);
    expect((e as DivergenceError).round).toBe(2);
    expect(e!.message).toContain('likely cause: the parameters restored from the checkpoint of round 2 are already diverged, so the checkpoint is corrupt');
    expect(e!.message).not.toContain('train.lr');
  });

  it('name every cause present, numbered, and the checkpoint as possible when the run diverges after resuming', () => {
    const config = smallConfig({ ...ring2, adversaries: { peers: { count: 4 }, attack: 'alie' }, aggregation: { kind: 'median' } });
    const advice = divergenceAdvice({ config, dataset: dataset(1), resumedFrom: 2 });
    expect(advice(3)).toBe(
      'likely causes: (1) the run was restored from the checkpoint of round 2, which may be corrupt; run again from the start to compare ' +
      '(2) 4 of 16 peers attack with alie(z=0.489, its default for n = 16 peers and f = 4 attackers) from round 1, and aggregation median did not contain their rows; ' +
      'try fewer attackers or another robust aggregation (median, trimmed-mean, krum, multi-krum, clipped-gossip)',
    );
  });

  it('name extreme input features, and leave out attacks that send no crafted rows or have not started', () => {
    const features = divergenceAdvice({ config: smallConfig(ring2), dataset: dataset(3e30) });
    expect(features(1)).toBe("likely cause: the input features are extreme (largest |feature| in the training set 3.00e+30, where models expect features of order 1); rescale or standardise data.dataset's features");
    expect(divergenceAdvice({ config: smallConfig(ring2), dataset: dataset(NaN) })(1)).toContain('the input features are extreme (largest |feature| in the training set NaN');
    const flip = smallConfig({ ...ring2, adversaries: { peers: [1], attack: 'label-flip' } });
    expect(divergenceAdvice({ config: flip, dataset: dataset(1) })(1)).toBe('try a smaller train.lr');
    const later = smallConfig({ ...ring2, adversaries: { peers: [1], attack: 'sign-flip', start: 3 } });
    expect(divergenceAdvice({ config: later, dataset: dataset(1) })(2)).toBe('try a smaller train.lr');
    expect(divergenceAdvice({ config: later, dataset: dataset(1) })(3)).toMatch(/^likely cause: 1 of 16 peers attack with sign-flip\(scale=1\) from round 3/);
  });
});

/** A dataset whose largest |feature| is `max`. */
function dataset(max: number): Dataset {
  const x = new Float32Array(16).fill(0.5);
  x[7] = -max;
  return { name: 'test', features: 4, classes: 2, train: { n: 4, x, y: new Uint8Array(4) }, test: { n: 4, x, y: new Uint8Array(4) } };
}
