// Wall-clock figures of a live run's links: round trips of small control frames between every
// pair of processes (after the last round, so they never delay one), beside the transport's counters.
import { PlexusError } from '../errors.js';
import { controlFrame } from './messages.js';
import type { Mailbox } from './mailbox.js';

/** The observer stopped this process (another one failed, or the run was interrupted): not a failure of its own. */
export class LiveStopped extends PlexusError {}

const PINGS = 5;
const PING_TIMEOUT_MS = 5000;

/**
 * The median round trip, in milliseconds, to each other member of `members` (PINGS sequential pings
 * each, members in parallel; lost ones skipped). Every member answers pings as they arrive (answerPings).
 */
export async function measureRtt(mailbox: Mailbox, members: number, live: (member: number) => boolean = () => true): Promise<Map<number, number>> {
  const { transport } = mailbox;
  const pending = new Map<string, () => void>();
  mailbox.onControl('pong', (from, m) => {
    if (m.type === 'pong') pending.get(`${from}/${m.seq}`)?.();
  });
  const out = new Map<number, number>();
  await Promise.all(Array.from({ length: members }, async (_, q) => {
    if (q === transport.self || !live(q)) return;
    const times: number[] = [];
    for (let seq = 0; seq < PINGS; seq++) {
      const t0 = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const back = new Promise<boolean>((res) => {
        pending.set(`${q}/${seq}`, () => res(true));
        timer = setTimeout(() => res(false), PING_TIMEOUT_MS).unref();
      });
      const sent = await transport.send(q, controlFrame(0, { type: 'ping', seq })).then(() => true, () => false);
      const answered = sent && (await back);
      clearTimeout(timer);
      if (!answered) return; // no figure for this link rather than a hang
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    out.set(q, times[PINGS >> 1]);
  }));
  return out;
}

/** Answers every ping with a pong, at once. */
export function answerPings(mailbox: Mailbox): void {
  mailbox.onControl('ping', (from, m) => {
    if (m.type === 'ping') void mailbox.transport.send(from, controlFrame(0, { type: 'pong', seq: m.seq })).catch(() => undefined);
  });
}
