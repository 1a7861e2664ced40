// Which processes a live node counts in a round: those it goes on without (lost), lost ones
// started again (from the round they were admitted at), and the hold while one rejoins.

export class Membership {
  /** processes gone on without (a closed connection, or a timeout and an unanswered ping) */
  readonly lost = new Set<number>();
  /** whether a process was ever lost: the reports then say who is live */
  everLost = false;
  /** the round this process runs (0 before the first) */
  current = 0;
  /** lost processes started again, admitted at a round: they send nothing that round (listen-only), then take part */
  private readonly joinAt = new Map<number, number>();
  /** while lost processes rejoin: no round from `round` on starts until each is admitted */
  private readonly holds = new Map<number, { round: number; open: Promise<void>; release(): void }>();

  constructor(private readonly processes: number, private readonly self: number) {}

  /** Marks `p` lost; false when it is this process, not a process, or lost already. */
  lose(p: number): boolean {
    if (p === this.self || p < 0 || p >= this.processes || this.lost.has(p)) return false;
    this.lost.add(p);
    this.everLost = true;
    this.joinAt.delete(p);
    this.release(p);
    return true;
  }

  /** Lost process `p`, started again, takes part from `round` on. */
  admit(p: number, round: number): void {
    this.lost.delete(p);
    this.joinAt.set(p, round);
    this.release(p);
  }

  /** Holds this process before its next round until `p` is admitted (or lost again); resolves to that round. */
  holdFor(p: number): number {
    this.release(p);
    const round = this.current + 1;
    let release!: () => void;
    const open = new Promise<void>((res) => (release = res));
    this.holds.set(p, { round, open, release });
    return round;
  }

  /** Lifts the hold for `p` (every hold, when not given). */
  release(p?: number): void {
    for (const [q, h] of this.holds) {
      if (p !== undefined && q !== p) continue;
      h.release();
      this.holds.delete(q);
    }
  }

  /** Starts `round`, after the holds that stop it. */
  async enter(round: number): Promise<void> {
    for (const h of [...this.holds.values()]) if (round >= h.round) await h.open;
    this.current = round;
  }

  /** `p` is admitted for a round after `round`: not in it at all. */
  notYetIn(p: number, round: number): boolean {
    return (this.joinAt.get(p) ?? 0) > round;
  }

  /** `p` sends no rows in `round`: admitted for it or a later one. */
  silentIn(p: number, round: number): boolean {
    return (this.joinAt.get(p) ?? 0) >= round;
  }

  /** The processes whose rows `round` goes without: the lost ones and the silent ones. */
  absent(round: number): number[] {
    return [...this.lost, ...[...this.joinAt].filter(([, j]) => j >= round).map(([p]) => p)];
  }

  /** The processes this one sends nothing to in `round`: the lost ones and those admitted for a later round. */
  unreached(round: number): number[] {
    return [...this.lost, ...[...this.joinAt].filter(([, j]) => j > round).map(([p]) => p)];
  }

  /** The processes live in the current round, in index order. */
  live(): number[] {
    return Array.from({ length: this.processes }, (_, k) => k).filter((k) => !this.lost.has(k) && !this.notYetIn(k, this.current));
  }
}
