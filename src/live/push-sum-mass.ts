// Push-sum's weights in a live run, where a process may be lost. Each process is the authority on
// its own peers' weights and sends each row's pushed share with it (as push-sum sends w with x),
// so the survivors' weights stay one valid push-sum whatever each process saw of a loss:
// - a live sender j splits its mass over the receivers it believes live (its column of P rescaled
//   over them): it sends the share u_j = w_j / s_j, s_j = sum of P_ij over those receivers;
// - a receiver i sums the shares that came: w_i' = sum_j P_ij u_j, z_i' = sum_j P_ij u_j z_j / w_i'.
// Mass pushed towards a process in the round its loss is found (and whatever it would have pushed)
// is lost, as on a real network; from then on the survivors' total weight is conserved and
// z = x / w converges to the average of their remaining mass. Without a loss every share is w_j
// itself and the arithmetic is the simulator's (reweight, pushWeights), bit for bit.
import type { MixingMatrix } from '../types.js';

/** The peers of the listed processes, as a predicate over peer ids. */
export function peersOf(slices: readonly [number, number][], processes: Iterable<number>): (peer: number) => boolean {
  const of = [...processes].map((p) => slices[p]);
  return (peer) => of.some(([a, b]) => peer >= a && peer < b);
}

export class PushSumMass {
  /** this round's shares: the own peers' as sent, the others' as their rows frames carried them */
  readonly shares: Float64Array;
  /** the own peers' weights (entries outside the slice unused) */
  readonly weights: Float64Array;
  /** the own peers' total weight after each round's mix (index: round), for the run's checks */
  readonly totals: number[] = [];
  /** the round's column-stochastic matrix, as share() was given it */
  private P?: MixingMatrix;

  constructor(initial: Float64Array, private readonly slice: [number, number]) {
    this.weights = Float64Array.from(initial);
    this.shares = Float64Array.from(initial);
  }

  /** Before the exchange: each own peer's share of its mass over the receivers in P (this round's column-stochastic matrix) not `gone`. */
  share(P: MixingMatrix, gone: (peer: number) => boolean): void {
    this.P = P;
    const [a, b] = this.slice;
    const kept = new Float64Array(b - a);
    const dropped = new Uint8Array(b - a);
    for (let i = 0; i < P.n; i++) {
      const out = gone(i);
      for (let k = P.offsets[i]; k < P.offsets[i + 1]; k++) {
        const j = P.cols[k];
        if (j < a || j >= b) continue;
        if (out && i !== j) dropped[j - a] = 1;
        else kept[j - a] += P.weights[k];
      }
    }
    for (let j = a; j < b; j++) {
      // kept holds the sender's own entry (never dropped); were it 0, the share goes out as P has it
      this.shares[j] = dropped[j - a] && kept[j - a] > 0 ? this.weights[j] / kept[j - a] : this.weights[j];
    }
  }

  /**
   * After the exchange of the round share() was last called for: the row-stochastic matrix the own
   * rows mix with (over the shares `heard` came, the own peers' always), and the own peers' new
   * weights; `rows`: own rows that missed a share. Rows outside the slice are P's (unused). A row
   * that heard no mass at all keeps its model, with weight 0.
   */
  mix(round: number, heard: (peer: number) => boolean): { w: MixingMatrix; rows: number } {
    const P = this.round();
    const [a, b] = this.slice;
    const offsets = new Int32Array(P.n + 1);
    const cols: number[] = [];
    const weights: number[] = [];
    let rows = 0;
    let total = 0;
    for (let i = 0; i < P.n; i++) {
      const start = cols.length;
      const own = i >= a && i < b;
      let sum = 0;
      let missed = false;
      for (let k = P.offsets[i]; k < P.offsets[i + 1]; k++) {
        const j = P.cols[k];
        if (!own) {
          cols.push(j);
          weights.push(P.weights[k]);
          continue;
        }
        if ((j < a || j >= b) && !heard(j)) {
          missed = true;
          continue;
        }
        const pushed = P.weights[k] * this.shares[j];
        cols.push(j);
        weights.push(pushed);
        sum += pushed;
      }
      if (own) {
        if (missed) rows++;
        if (sum > 0) {
          for (let k = start; k < weights.length; k++) weights[k] /= sum;
        } else {
          cols.length = weights.length = start;
          cols.push(i);
          weights.push(1);
        }
        this.weights[i] = sum;
        total += sum;
      }
      offsets[i + 1] = cols.length;
    }
    this.totals[round] = total;
    return { w: { n: P.n, offsets, cols: Int32Array.from(cols), weights: Float64Array.from(weights) }, rows };
  }

  /**
   * A rejoining slice's weights, in the round it rejoins at (it listens, sending nothing): the mass
   * its live in-neighbours outside the slice pushed to it, the others counting it among their
   * receivers. It comes back with no mass of its own: a weight of 1 would add mass at its
   * neighbours' mean and pull the survivors' average towards them, while this way no mass is made
   * and every peer goes on converging to the survivors' average. (Its rows take the neighbours' mean,
   * neighbourMeans, as dpsgd's do.)
   */
  adopt(round: number, heard: (peer: number) => boolean): void {
    const P = this.round();
    const [a, b] = this.slice;
    let total = 0;
    for (let i = a; i < b; i++) {
      let mass = 0;
      for (let k = P.offsets[i]; k < P.offsets[i + 1]; k++) {
        const j = P.cols[k];
        if ((j < a || j >= b) && heard(j)) mass += P.weights[k] * this.shares[j];
      }
      this.weights[i] = mass;
      total += mass;
    }
    this.totals[round] = total;
  }

  private round(): MixingMatrix {
    if (!this.P) throw new Error('live: push-sum mixed before sharing its mass');
    return this.P;
  }

  /** The own peers' weights written into the protocol's copy (it pushed every peer's over the whole P). */
  publish(into: Float64Array): void {
    const [a, b] = this.slice;
    into.set(this.weights.subarray(a, b), a);
  }
}
