// A live node's side of losing and taking back processes, for runs that measure with the chain
// reduction: who is lost (closed connection, or a timeout and an unanswered ping), the chain of a
// round formed over the live processes and abandoned everywhere when one is lost during it, and the
// handshake by which a process started again with a lost one's index joins at a measurement.
import { FRAME_KINDS, type Transport } from './transport/types.js';
import { ChainAbandoned, keyOf, type Mailbox, ProcessLost } from './mailbox.js';
import { Membership } from './membership.js';
import type { ChainReduction, Reduced } from './measure.js';
import { TransportError } from './transport/errors.js';
import { answers } from './links.js';
import { RejoinRefused } from './frame-checks.js';

export interface RosterOptions {
  mailbox: Mailbox;
  transport: Transport;
  processes: number;
  /** the peers each process hosts */
  slices: readonly (readonly [number, number])[];
  /** the wait for another process's frames under these keys before pinging it (ms), undefined: no limit */
  limit: (from: number, key: string) => number | undefined;
  /** how long a ping may take to be answered (ms) */
  pingMs: number;
  /** true once this process's part is over: losses and rejoins are then the others closing */
  finished: () => boolean;
  /** another process says it goes on without this one (at `round`): this one cannot take part any more */
  evicted?: (by: number, round: number) => void;
}

export class NodeRoster {
  readonly members: Membership;
  /** rounds whose consensus chain was given up (a process was lost during it) */
  private readonly abandoned = new Set<number>();
  /** the round whose consensus chain is under way here */
  private chainRound?: number;
  private readonly self: number;
  private readonly observer: number;

  constructor(private readonly o: RosterOptions) {
    const { mailbox, processes } = o;
    this.self = o.transport.self;
    this.observer = processes;
    this.members = new Membership(processes, this.self);
    mailbox.onControl('lost', (from, m) => {
      if (m.type !== 'lost') return;
      if (m.process !== this.self) this.lose(m.process);
      // nobody sends to it any more: waiting on would hang (its pings are answered)
      else if (!o.finished()) o.evicted?.(from, m.round);
    });
    mailbox.onControl('rejoin', (from, m) => m.type === 'rejoin' && void this.welcome(from, m.addresses));
    mailbox.onControl('admit', (from, m) => m.type === 'admit' && this.admit(from, m.round));
    mailbox.onControl('abandon', (_from, m) => {
      if (m.type !== 'abandon') return;
      for (const p of m.lost) if (p !== this.self) this.lose(p);
      this.abandon(m.round, false);
    });
    // a send that fails is a loss seen first here, as a timeout is: the others are told
    mailbox.onBroken = (p) => void this.lose(p, this.members.current);
    mailbox.limit = (from, key) => (from === this.observer ? undefined : o.limit(from, key));
    mailbox.probe = (from) => answers(mailbox, from, o.pingMs);
    mailbox.onTimeout = (from, key) => this.lose(from, Number(key.split('/')[1]) || this.members.current);
  }

  /**
   * Goes on without process `p` from now on: its waits fail at once, a chain under way is abandoned.
   * With `round`, this process saw it first (a timeout, a failed send): the others and the observer
   * are told, so that every process forms the same chain. False when it was lost already.
   */
  lose(p: number, round?: number): boolean {
    if (this.o.finished() || !this.members.lose(p)) return false;
    this.o.mailbox.lose(p);
    if (this.chainRound !== undefined) this.abandon(this.chainRound, true);
    if (round !== undefined) {
      // p too: alive but unheard (or its link broke one way), it would wait for this process's rows for ever
      for (let q = 0; q <= this.o.processes; q++) {
        if (q !== this.self && (q === p || !this.members.lost.has(q))) void this.o.mailbox.send(q, round, { type: 'lost', process: p, round }).catch(() => undefined);
      }
    }
    return true;
  }

  /** Gives up round `round`'s consensus chain here and, when this process saw why, at every other live process. */
  private abandon(round: number, tell: boolean): void {
    if (this.abandoned.has(round)) return;
    this.abandoned.add(round);
    this.o.mailbox.cancel(keyOf(FRAME_KINDS.reduce, round), new ChainAbandoned(`live: round ${round}: the consensus chain was abandoned`));
    if (!tell) return;
    const lost = [...this.members.lost];
    for (const q of this.members.live()) {
      if (q !== this.self) void this.o.mailbox.send(q, round, { type: 'abandon', round, lost }).catch(() => undefined);
    }
  }

  /** The round's chain over the live processes, or undefined when a process was lost during it (no consensus this round). */
  async reduce(round: number, reduction: ChainReduction, rows: Float32Array, count: number): Promise<Reduced | undefined> {
    if (this.members.everLost) {
      const live = this.members.live();
      reduction.setMembers(live, live.reduce((n, k) => n + this.o.slices[k][1] - this.o.slices[k][0], 0));
    }
    if (this.abandoned.has(round)) return undefined;
    this.chainRound = round;
    try {
      const reduced = await reduction.run(round, rows, count);
      return this.abandoned.has(round) ? undefined : reduced;
    } catch (e) {
      return this.chainFailed(round, e);
    } finally {
      this.chainRound = undefined;
    }
  }

  /** A chain that broke on a lost process: the round is abandoned everywhere; anything else is a failure. */
  chainFailed(round: number, e: unknown): undefined {
    if (!(e instanceof ProcessLost || e instanceof ChainAbandoned || (e instanceof TransportError && this.members.lost.size > 0))) throw e;
    this.abandon(round, !(e instanceof ChainAbandoned));
    return undefined;
  }

  /** A lost process `p` is back, listening at `addresses`: dial it, and hold the next round until it says when it joins. */
  private async welcome(p: number, addresses: string[]): Promise<void> {
    if (this.o.finished() || p === this.self || p >= this.o.processes) return;
    // a new process claiming the index: the old one is gone, whether or not its connection has closed yet
    this.lose(p);
    const next = this.members.holdFor(p);
    try {
      await this.o.transport.connect(Array.from({ length: this.o.processes + 1 }, (_, q) => (q === p ? addresses : [])));
      await this.o.mailbox.send(p, 0, { type: 'welcome', next });
    } catch {
      this.members.release(p);
    }
  }

  /** Process `p`, rejoining, takes part from round `round` on. */
  private admit(p: number, round: number): void {
    this.members.admit(p, round);
    this.o.mailbox.regain(p);
  }

  /**
   * Takes a lost process's place (this one started anew with its index): asks the observer who is
   * live (`members`: the bootstrap file's addresses), dials them, and returns the first round none
   * of them has started. `beforeAdmit` runs before the others hear it (to set up for that round).
   */
  async rejoin(members: readonly (readonly string[])[], addresses: string[], beforeAdmit: (round: number) => void = () => undefined): Promise<number> {
    const m = this.o.mailbox;
    const only = (keep: (q: number) => boolean) => members.map((a, q) => (q !== this.self && keep(q) ? a : []));
    await this.o.transport.connect(only((q) => q === this.observer));
    await m.send(this.observer, 0, { type: 'rejoin', addresses });
    // the observer answers a lost process's index at once (after dialling back); a live one's never
    const wait = Math.max(5000, 4 * this.o.pingMs);
    let timer: NodeJS.Timeout | undefined;
    const { live } = await Promise.race([
      m.control(this.observer, 0, 'members'),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new RejoinRefused(
        `--rejoin: the observer did not take process ${this.self} back within ${wait / 1000} s: process ${this.self} is live (only a lost process's index rejoins), or the observer cannot reach this process at ${addresses.join(' ')}`,
      )), wait))),
    ]).finally(() => clearTimeout(timer));
    for (let q = 0; q < this.o.processes; q++) if (q !== this.self && !live.includes(q)) this.lose(q);
    const others = live.filter((q) => q !== this.self);
    await this.o.transport.connect(only((q) => others.includes(q)));
    await Promise.all(others.map((q) => m.send(q, 0, { type: 'rejoin', addresses })));
    const welcomes = await Promise.all(others.map((q) => m.control(q, 0, 'welcome')));
    const round = Math.max(1, ...welcomes.map((w) => w.next));
    this.members.everLost = true;
    beforeAdmit(round);
    // the observer first, so that it counts this process from that round on
    await m.send(this.observer, 0, { type: 'admit', round });
    await Promise.all(others.map((q) => m.send(q, 0, { type: 'admit', round })));
    return round;
  }
}
