// A round's consensus chain runs beside the next round's training and exchange, on a copy of the
// round's rows: the metrics stay the simulator's, and the reports come after the next round's rows.
import { describe, expect, it } from 'vitest';
import { runRecorded, smallConfig, stripTimes } from '../engine/helpers.js';
import { runLive } from './live-helpers.js';
import { parseControl } from '../../src/live/messages.js';
import { FRAME_KINDS, type Frame, type Transport } from '../../src/live/transport/types.js';

/** Process 0's transport, recording what it sends: rows by round, and its round reports. */
function recording(sent: string[]): (t: Transport) => Transport {
  const note = (f: Frame) => {
    if (f.kind === FRAME_KINDS.rows) sent.push(`rows ${f.round}`);
    else if (f.kind === FRAME_KINDS.control && parseControl(f).type === 'round') sent.push(`report ${f.round}`);
  };
  return (t) => (t.self !== 0 ? t : { ...t, start: () => t.start(), connect: (a) => t.connect(a), onFrame: (h) => t.onFrame(h), onDisconnect: (h) => t.onDisconnect(h), stats: () => t.stats(), close: () => t.close(), send: (to, f) => (note(f), t.send(to, f)) });
}

describe('the consensus chain beside the next round', () => {
  it('reports a round after sending the next round\'s rows, with the simulator\'s metrics; evaluation rounds before', async () => {
    const config = smallConfig({ rounds: 8, eval: { every: 4, testExamples: 200 } });
    const sim = await runRecorded(config);
    const sent: string[] = [];
    const live = await runLive(config, 2, { wrap: recording(sent) });
    expect(JSON.stringify(stripTimes(live.rounds))).toBe(JSON.stringify(stripTimes(sim.rounds)));
    expect(JSON.stringify(live.peers)).toBe(JSON.stringify(sim.peers));
    const at = (what: string) => sent.indexOf(what);
    // round 1's chain overlaps round 2: its report follows round 2's rows; round 4 is evaluated before round 5 starts
    for (const r of [1, 2, 3, 5, 6, 7]) expect(at(`report ${r}`), `report ${r} in ${sent.join(', ')}`).toBeGreaterThan(at(`rows ${r + 1}`));
    for (const r of [4, 8]) expect(at(`report ${r}`)).toBeLessThan(at(`rows ${r + 1}`) < 0 ? Infinity : at(`rows ${r + 1}`));
    // one chain at a time: round r's report before round r + 2's rows
    for (let r = 1; r <= 6; r++) expect(at(`report ${r}`)).toBeLessThan(at(`rows ${r + 2}`));
    expect(live.rounds.every((m) => m.roundSeconds > 0)).toBe(true);
  }, 60_000);
});
