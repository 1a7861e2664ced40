// ops.rows in a live process: a protocol's row operation on this process's own rows, with what its
// descriptor's liveRowOps says crosses processes: the messages a publishing op's peers send their
// neighbours' processes, and the mixing matrix an op reads neighbours through (rescaled after a loss).
import type { MixingMatrix } from '../types.js';
import type { RoundOps, RowEnv, SyncProtocolDescriptor } from '../protocol/index.js';
import { createScratch } from '../engine/scratch.js';
import { PlexusError } from '../errors.js';
import type { ExchangePlan, Exchanger, Skip } from './exchange.js';

export interface LiveRowsOptions {
  descriptor: SyncProtocolDescriptor;
  /** the simulator's rows op over this slice */
  base: RoundOps['rows'];
  exchanger: Exchanger;
  slice: [number, number];
  /** who a publishing op's peers send to: the processes hosting their neighbours in the static graph */
  plan: ExchangePlan;
  peers: number;
  dim: number;
  seed: number;
  params(): Float32Array;
  buffers: Record<string, Float32Array>;
  skip(round: number): Skip;
  /** true in the round this process rejoins at (after a loss) */
  joining(round: number): boolean;
  /** `w` for this round's mix over the peers whose processes answered (missing: the processes that did not) */
  without(round: number, w: MixingMatrix, missing: number[]): MixingMatrix;
}

export class LiveRows {
  /** the processes whose messages did not come in a round's publishing ops */
  private unheard: { round: number; missing: Set<number> } = { round: -1, missing: new Set() };
  private readonly scratch = createScratch();

  constructor(private readonly o: LiveRowsOptions) {}

  /** Runs row operation `op` of round `round` on this slice, exchanging what it declares. */
  async run(round: number, op: string, args: unknown): Promise<void> {
    const live = this.o.descriptor.liveRowOps?.[op];
    if (live?.publishes) {
      if (this.o.joining(round)) {
        throw new PlexusError(`live: round ${round}: ${this.o.descriptor.kind} cannot rejoin a run: the neighbours' state this process kept a copy of (its row operation '${op}' updates it) went with the lost process; start the run again`);
      }
      const { send, receive } = live.publishes;
      const env = this.env(round);
      const [a, b] = this.o.slice;
      // every own peer takes the step, whether or not another process reads it
      const messages = Array.from({ length: b - a }, (_, k) => send(env, args, a + k));
      const missing = await this.o.exchanger.publish(round, this.o.plan, (i) => messages[i - a], (j, payload) => receive(env, args, j, payload), this.o.skip(round));
      if (this.unheard.round !== round) this.unheard = { round, missing: new Set() };
      for (const p of missing) this.unheard.missing.add(p);
      return;
    }
    if (live?.mixing) {
      const missing = this.unheard.round === round ? [...this.unheard.missing] : [];
      args = live.mixing.with(args, this.o.without(round, live.mixing.of(args), missing));
    }
    await this.o.base(round, op, args);
  }

  private env(round: number): RowEnv {
    const { o, scratch } = this;
    return {
      peers: o.peers, dim: o.dim, round, seed: o.seed, x: o.params(),
      buffer(name) {
        const b = o.buffers[name];
        if (!b) throw new Error(`no per-peer buffer '${name}': declare it in the protocol's needs.buffers`);
        return b;
      },
      scratch: (name, n) => scratch.f32(name, n),
      scratch64: (name, n) => scratch.f64(name, n),
      scratchU8: (name, n) => scratch.u8(name, n),
    };
  }
}
