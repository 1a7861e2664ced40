// A run whose order-statistic rule sees more than MAX_WINDOW values per coordinate (a complete
// graph of 20 peers): the scratch-sorting SIMD kernel, in any number of threads, gives the JS bits.
import { describe, expect, it } from 'vitest';
import { runRecorded, smallConfig, stripTimes } from '../engine/helpers.js';
import { MAX_WINDOW } from '../../src/wasm/exchange-module.js';

describe('a complete graph of 20 peers with the trimmed mean', () => {
  it('gives byte-identical metrics inline, with 2 workers and on the JS exchange', async () => {
    const peers = 20;
    expect(peers).toBeGreaterThan(MAX_WINDOW);
    const config = smallConfig({ peers, rounds: 6, topology: { kind: 'complete' }, aggregation: { kind: 'trimmed-mean', trim: 2 }, model: { kind: 'mlp', hidden: [16] } });
    const runs = [
      await runRecorded(config, { workers: 0 }),
      await runRecorded(config, { workers: 2 }),
      await runRecorded(config, { workers: 0, simdExchange: false }),
    ];
    const json = (r: (typeof runs)[number]) => JSON.stringify({ r: stripTimes(r.rounds), p: r.peers });
    expect(json(runs[1])).toBe(json(runs[0]));
    // the JS exchange also measures distances to the mean with float64 column means where SIMD
    // uses float32 ones, so those metrics alone may differ: everything the parameters decide must not
    const noDistance = (r: (typeof runs)[number]) => JSON.stringify({
      r: stripTimes(r.rounds).map((m) => ({ ...(m as object), consensusDistance: 0 })),
      p: r.peers.map((m) => ({ ...m, distance: [] })),
    });
    expect(noDistance(runs[2])).toBe(noDistance(runs[0]));
    expect(runs.map((r) => r.summary.workers)).toEqual([0, 2, 0]);
  }, 120_000);
});
