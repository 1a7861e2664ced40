// The per-peer line of a live asynchronous run's evaluation (a line of peers.jsonl), built by the
// one piece of code the observer (every peer) and each process (its own slice) both use.
import type { PeerMetrics, RoundMetrics } from '../../engine/events.js';
import type { Runtime } from '../../engine/runtime.js';
import type { World } from '../../engine/setup.js';
import { evaluatePeers } from '../../metrics/evaluation.js';
import { privacyReport } from '../../privacy/report.js';
import { RoundPeers } from '../peer-files.js';
import { ASYNC_EVAL_FIELDS } from './node.js';

/** RoundPeers over the asynchronous evaluation frames (ASYNC_EVAL_FIELDS per peer): wake-ups, messages sent, churn. */
export class AsyncRoundPeers extends RoundPeers {
  readonly wakeups: number[];
  readonly messagesSent: number[];
  /** each peer online under time.churn as last reported (true without churn) */
  readonly churnedIn: boolean[];

  constructor(world: World) {
    super(world);
    const n = world.config.peers;
    this.wakeups = new Array<number>(n).fill(0);
    this.messagesSent = new Array<number>(n).fill(0);
    this.churnedIn = new Array<boolean>(n).fill(true);
  }

  protected override readonly fields = ASYNC_EVAL_FIELDS;

  /** Peer i's wake-ups, messages sent, and whether churn has it online. */
  protected override takeMore(i: number, values: Float64Array, at: number): void {
    this.wakeups[i] = values[at + 4];
    this.messagesSent[i] = values[at + 5];
    this.churnedIn[i] = values[at + 6] === 1;
  }

  /**
   * The simulator's evaluation summary over what the processes up (`up`, default all) sent; churned-out
   * peers are evaluated, as in the simulator, and marked offline.
   */
  override async evaluate(round: number, opts: { up?: boolean[]; evalPeers?: number[] } = {}): Promise<{ round: Partial<RoundMetrics>; peers: PeerMetrics }> {
    const up = opts.up ?? this.churnedIn.map(() => true);
    const evalPeers = opts.evalPeers ?? this.world.evalPeers.filter((p) => up[p]);
    const received: Pick<Runtime, 'distances' | 'evaluate'> = { distances: async () => this.distance, evaluate: async () => this.evalOut };
    const e = await evaluatePeers(received as Runtime, round, { ...this.world, evalPeers });
    const dp = privacyReport(this.view);
    const peers: PeerMetrics = {
      ...e.peers, ...dp.peers, bytesSent: Array.from(this.traffic.perPeer),
      online: up.map((u, i) => u && this.churnedIn[i]), wakeups: this.wakeups.slice(), messagesSent: this.messagesSent.slice(),
    };
    return { round: { ...e.round, ...dp.round }, peers };
  }
}
