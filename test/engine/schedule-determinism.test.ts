// Time-varying schedules keep the engine's contract: the same config and seed give byte-identical
// metrics inline and with worker threads (each round's matrix travels in the task message).
import { describe, expect, it } from 'vitest';
import { runRecorded, smallConfig, stripTimes } from './helpers.js';

describe('determinism under schedules', () => {
  for (const [name, over] of [
    ['dpsgd with random matchings', { topology: { kind: 'complete', schedule: 'random-matching' } }],
    ['dpsgd with resampled graphs', { topology: { kind: 'erdos-renyi', p: 0.3, schedule: { kind: 'resample', every: 2 } } }],
    ['push-sum on one-peer exponential graphs', { topology: { kind: 'directed-exponential', schedule: 'one-peer-exponential' }, protocol: 'push-sum' }],
  ] as const) {
    it(`${name}: identical metrics inline and with 1 and 3 workers`, async () => {
      const config = smallConfig({ rounds: 8, model: { kind: 'mlp', hidden: [8] }, ...over });
      const runs = [];
      for (const workers of [0, 1, 3]) runs.push(await runRecorded(config, { workers }));
      const ref = JSON.stringify({ r: stripTimes(runs[0].rounds), p: runs[0].peers });
      for (const r of runs.slice(1)) expect(JSON.stringify({ r: stripTimes(r.rounds), p: r.peers })).toBe(ref);
    }, 60_000);
  }
});
