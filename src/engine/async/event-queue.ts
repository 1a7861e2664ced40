// A priority queue on virtual time. Ties go to the event scheduled first (a sequence number),
// so the order of events, and with it every result, is fixed by the seed.

export interface Timed {
  readonly time: number;
}

export class EventQueue<E extends Timed> {
  private heap: { e: E; seq: number }[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(e: E): void {
    const h = this.heap;
    h.push({ e, seq: this.seq++ });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Time of the next event (Infinity when empty). */
  peekTime(): number {
    return this.heap.length > 0 ? this.heap[0].e.time : Infinity;
  }

  pop(): E | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0].e;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(l, m)) m = l;
        if (r < h.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  /** The queue as plain data (events in heap order, with their sequence numbers), for checkpoints. */
  snapshot(): { heap: { e: E; seq: number }[]; seq: number } {
    return { heap: this.heap.map((h) => ({ e: h.e, seq: h.seq })), seq: this.seq };
  }

  restore(s: { heap: { e: E; seq: number }[]; seq: number }): void {
    this.heap = s.heap.map((h) => ({ e: h.e, seq: h.seq }));
    this.seq = s.seq;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    return x.e.time < y.e.time || (x.e.time === y.e.time && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a];
    this.heap[a] = this.heap[b];
    this.heap[b] = t;
  }
}
