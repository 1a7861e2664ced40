// The observer's side of losing and taking back processes: who is lost since which measurement,
// who rejoined and from which one, whose reports a measurement waits for, and which peers were
// online, for metrics.jsonl (peersOnline, processesOnline), peers.jsonl (online) and summary.json.
import { PlexusError } from '../errors.js';
import type { LiveSummary } from '../engine/events.js';
import type { Transport } from './transport/types.js';
import { type Mailbox, ProcessLost } from './mailbox.js';
import { sliceOf } from './node.js';
import { answers } from './links.js';

/** How long a process whose index a newcomer claims has to answer a ping to count as live (the newcomer waits longer: RosterOptions). */
const PROBE_MS = 2000;

export interface ObserverRosterOptions {
  mailbox: Mailbox;
  transport: Transport;
  processes: number;
  peers: number;
  /** what a measurement is called in warnings: 'round' or 'time' */
  unit: string;
  warn: (message: string) => void;
  /** after a rejoin: the process's counters start again */
  onAdmit?: (p: number) => void;
  /** when a process is lost */
  onLose?: (p: number) => void;
}

export class ObserverRoster {
  /** processes lost after the start, and the measurement the observer was at then */
  private readonly lost = new Map<number, number>();
  /** every loss and rejoin so far, for summary.json; the measurements rejoined processes report from */
  readonly losses: { process: number; round: number }[] = [];
  readonly rejoins: { process: number; round: number }[] = [];
  private readonly joinAt = new Map<number, number>();
  /** the measurement awaited now */
  round = 0;
  started = false;
  finished = false;

  constructor(private readonly o: ObserverRosterOptions) {
    const { mailbox } = o;
    o.transport.onDisconnect((p) => {
      if (this.finished) return;
      if (!this.started) mailbox.fail(new PlexusError(`live: lost the connection to process ${p} before the first ${o.unit}; start it again`));
      else this.lose(p, 'its connection closed');
    });
    mailbox.onControl('lost', (from, m) => m.type === 'lost' && this.lose(m.process, `process ${from} heard nothing from it in time`));
    mailbox.onControl('rejoin', (from, m) => m.type === 'rejoin' && void this.welcome(from, m.addresses));
    mailbox.onControl('admit', (from, m) => {
      if (m.type !== 'admit' || !this.lost.has(from)) return;
      this.lost.delete(from);
      mailbox.regain(from);
      this.joinAt.set(from, m.round);
      this.rejoins.push({ process: from, round: m.round });
      o.onAdmit?.(from);
      o.warn(`process ${from} rejoined: its peers take part again from ${o.unit} ${m.round}`);
    });
  }

  /** Whether a process was ever lost (the metrics then say who is online). */
  get failing(): boolean {
    return this.losses.length > 0;
  }

  /** The run goes on without process `p` (its peers are offline); only when none is left does it fail. */
  lose(p: number, why: string): void {
    const { processes, mailbox } = this.o;
    if (p < 0 || p >= processes || this.lost.has(p)) return;
    this.lost.set(p, this.round);
    this.losses.push({ process: p, round: this.round });
    this.joinAt.delete(p);
    mailbox.lose(p);
    this.o.onLose?.(p);
    const [a, b] = sliceOf(this.o.peers, processes, p);
    this.o.warn(`process ${p} (peers ${a}..${b - 1}) lost at ${this.o.unit} ${this.round}: ${why}; the others go on without it`);
    if (this.lost.size === processes) mailbox.fail(new PlexusError('live: every process was lost; the run cannot go on'));
  }

  /** A lost process started again: dial it back and tell it who is live. */
  private async welcome(p: number, addresses: string[]): Promise<void> {
    const { processes, mailbox, transport } = this.o;
    if (this.finished || p < 0 || p >= processes) return;
    // only a lost process's index is taken back: a live one (it answers a ping) goes on, and the
    // newcomer hears nothing (it gives up: RejoinRefused); one killed whose loss has not shown yet does not answer
    if (!this.lost.has(p)) {
      if (await answers(mailbox, p, PROBE_MS)) {
        this.o.warn(`a process asked to rejoin as process ${p}, which is live: refused (--rejoin takes a lost process's index only)`);
        return;
      }
      if (this.finished) return;
      this.lose(p, 'a new process took its index, and it did not answer a ping');
    }
    try {
      await transport.connect(Array.from({ length: processes + 1 }, (_, q) => (q === p ? addresses : [])));
      const live = Array.from({ length: processes }, (_, q) => q).filter((q) => !this.lost.has(q));
      await mailbox.send(p, 0, { type: 'members', live });
    } catch (e) {
      this.o.warn(`process ${p} tried to rejoin but could not be reached: ${(e as Error).message}`);
    }
  }

  /** Whether `p` reports measurement `round` (a rejoined process reports from the one it joined at). */
  due(p: number, round: number): boolean {
    return (this.joinAt.get(p) ?? 0) <= round;
  }

  /** `take()`, or undefined once `p` is lost (what it sent before still counts). */
  unlessLost<T>(take: () => Promise<T>): Promise<T | undefined> {
    return take().catch((e) => {
      if (e instanceof ProcessLost) return undefined;
      throw e;
    });
  }

  /**
   * What every process due sends for measurement `round` (`take`), undefined for the lost ones; a
   * process admitted for `round` while it was awaited (the others held for it) is heard too.
   */
  async gather<T>(round: number, take: (p: number) => Promise<T>): Promise<(T | undefined)[]> {
    this.round = round;
    const every = Array.from({ length: this.o.processes }, (_, p) => p);
    const heard = await Promise.all(every.map((p) => (this.due(p, round) ? this.unlessLost(() => take(p)) : undefined)));
    for (const p of every) {
      if (heard[p] === undefined && this.joinAt.get(p) === round) heard[p] = await this.unlessLost(() => take(p));
    }
    return heard;
  }

  /** Which peers are online: those of the processes `online`. */
  peersUp(online: readonly number[]): boolean[] {
    const up = new Array<boolean>(this.o.peers).fill(false);
    for (const p of online) {
      const [a, b] = sliceOf(this.o.peers, this.o.processes, p);
      up.fill(true, a, b);
    }
    return up;
  }

  /** summary.json's lost and rejoined, when any. */
  addTo(summary: LiveSummary): LiveSummary {
    if (this.losses.length > 0) summary.lost = this.losses;
    if (this.rejoins.length > 0) summary.rejoined = this.rejoins;
    return summary;
  }
}
