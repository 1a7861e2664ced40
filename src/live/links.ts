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
  const pending = pongs(mailbox);
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

const waiting = new WeakMap<Mailbox, Map<string, () => void>>();

/** The pongs awaited on `mailbox`, by "from/seq" (one handler for every caller). */
function pongs(mailbox: Mailbox): Map<string, () => void> {
  let pending = waiting.get(mailbox);
  if (!pending) {
    const map = new Map<string, () => void>();
    waiting.set(mailbox, (pending = map));
    mailbox.onControl('pong', (from, m) => {
      if (m.type === 'pong') map.get(`${from}/${m.seq}`)?.();
    });
  }
  return pending;
}

let probes = 0;

/**
 * Whether `member` answers a ping within `ms`: a process that is only waiting for someone else
 * answers at once; a stopped or stuck one does not.
 */
export async function answers(mailbox: Mailbox, member: number, ms: number): Promise<boolean> {
  const pending = pongs(mailbox);
  const seq = -++probes; // negative: never one of measureRtt's
  const key = `${member}/${seq}`;
  let timer: NodeJS.Timeout | undefined;
  const back = new Promise<boolean>((res) => {
    pending.set(key, () => res(true));
    timer = setTimeout(() => res(false), ms).unref();
  });
  const sent = await mailbox.transport.send(member, controlFrame(0, { type: 'ping', seq })).then(() => true, () => false);
  const answered = sent && (await back);
  clearTimeout(timer);
  pending.delete(key);
  return answered;
}

/** Answers every ping with a pong, at once. */
export function answerPings(mailbox: Mailbox): void {
  mailbox.onControl('ping', (from, m) => {
    if (m.type === 'ping') void mailbox.transport.send(from, controlFrame(0, { type: 'pong', seq: m.seq })).catch(() => undefined);
  });
}
