// Cumulative traffic: what each round put on the wire, summed per run, per peer and per link.
import type { Traffic } from '../protocol/index.js';
import { edgeTotals } from '../topology/csr.js';
import type { Topology } from '../types.js';

export class TrafficMeter {
  bytes = 0;
  readonly perPeer: Float64Array;
  /** cumulative bytes per CSR link, when the protocol reports them */
  private perLink?: Float64Array;

  constructor(private readonly topology: Topology) {
    this.perPeer = new Float64Array(topology.n);
  }

  add(t: Traffic): void {
    this.bytes += t.bytes;
    for (let i = 0; i < t.perPeer.length; i++) this.perPeer[i] += t.perPeer[i];
    if (t.perEdge) {
      this.perLink ??= new Float64Array(t.perEdge.length);
      for (let k = 0; k < t.perEdge.length; k++) this.perLink[k] += t.perEdge[k];
    }
  }

  snapshot(): { bytes: number; perPeer: Float64Array; perLink?: Float64Array } {
    return { bytes: this.bytes, perPeer: this.perPeer.slice(), perLink: this.perLink?.slice() };
  }

  restore(s: { bytes: number; perPeer: Float64Array; perLink?: Float64Array }): void {
    this.bytes = s.bytes;
    this.perPeer.set(s.perPeer);
    this.perLink = s.perLink?.slice();
  }

  /** Bytes per edge in topology.json order, where links carry different traffic. */
  edgeBytes(): number[] | undefined {
    return this.perLink && edgeTotals(this.topology, this.perLink);
  }
}
