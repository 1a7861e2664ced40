// Membership inference by loss threshold (Yeom et al. 2018): a model's loss tends to be lower on the
// examples it trained on. Over all thresholds the attack's AUC is the Mann-Whitney statistic.
import { createRng } from '../rng.js';
import type { StepKernel } from '../model/kernel.js';
import type { SharedState } from '../engine/shared-state.js';
import type { Scratch } from '../engine/scratch.js';

/** At most this many members (and as many non-members) per attacked peer. */
export const MIA_CAP = 1000;

/**
 * AUC of "lower loss => member": P(member loss < non-member loss) + 0.5 P(tie), over all pairs,
 * in O(m log m). Sorts both arrays in place. NaN when either set is empty.
 */
export function lossAuc(members: Float64Array, nonMembers: Float64Array): number {
  const a = members.length, b = nonMembers.length;
  if (a === 0 || b === 0) return NaN;
  members.sort();
  nonMembers.sort();
  // for members in ascending order, lo = non-members below v, hi = non-members at or below v
  let lo = 0, hi = 0, wins = 0;
  for (let i = 0; i < a; i++) {
    const v = members[i];
    while (lo < b && nonMembers[lo] < v) lo++;
    if (hi < lo) hi = lo;
    while (hi < b && nonMembers[hi] <= v) hi++;
    wins += b - hi + 0.5 * (hi - lo);
  }
  return wins / (a * b);
}

/**
 * m of `pool`'s entries without replacement (all of them when m >= length): a partial Fisher-Yates
 * in place, the sample in pool[0, m).
 */
export function sampleInPlace(pool: Int32Array, m: number, seed: number, ...labels: (string | number)[]): Int32Array {
  if (m >= pool.length) return pool;
  const rng = createRng(seed, ...labels);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(pool.length - i);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.subarray(0, m);
}

/**
 * The examples attacked for peer p: members are the examples it trains on (its shard as the shared
 * state holds it, already through its cluster's transform and without plasticity's held-out probe
 * batch); non-members are test examples of the block it is evaluated on, one per member with the
 * member's label. Matching labels keeps the attack about examples: a peer's model learns its shard's
 * label mix (very uneven with a few dozen examples, or under label skew), and against test examples of
 * uniform labels that alone would lower the members' losses. Where the shard is larger than m, a
 * seeded sample per peer: the same examples every round, and none of the bias a dataset stored in
 * label order would give its first m. The shard is sorted first, so the sample does not depend on how
 * the current epoch has shuffled it. Within a class non-members are drawn without replacement while
 * the block has enough of that class. Indices: members into trainX, non-members into testX.
 */
export function attackedExamples(s: SharedState, p: number, testN: number, seed: number): { members: Int32Array; nonMembers: Int32Array } {
  const start = s.partOffsets[p];
  const count = s.partOffsets[p + 1] - start;
  const m = Math.min(count, testN, MIA_CAP);
  const shard = s.order.slice(start, start + count).sort();
  const members = sampleInPlace(shard, m, seed, 'mia', 'members', p).slice(0, m);
  const at = s.cluster ? s.cluster[p] * testN : 0;
  // the block's examples by label, each class in a seeded order
  const byLabel = new Map<number, number[]>();
  for (let k = 0; k < testN; k++) {
    const label = s.testY[at + k];
    let list = byLabel.get(label);
    if (!list) byLabel.set(label, (list = []));
    list.push(at + k);
  }
  const rng = createRng(seed, 'mia', 'non-members', p);
  for (const list of byLabel.values()) rng.shuffle(list);
  const taken = new Map<number, number>();
  const nonMembers = new Int32Array(members.length);
  let filled = 0;
  for (let k = 0; k < members.length; k++) {
    const label = s.trainY[members[k]];
    const list = byLabel.get(label);
    if (!list) continue; // the test block has no example of this label: the member sits out
    const t = taken.get(label) ?? 0;
    taken.set(label, t + 1);
    members[filled] = members[k];
    nonMembers[filled++] = list[t % list.length];
  }
  return { members: members.slice(0, filled), nonMembers: nonMembers.slice(0, filled) };
}

/** The attack's AUC against `row` (peer p's model); each set is gathered into per-thread scratch and evaluated in one call. */
export function membershipAuc(kernel: StepKernel, s: SharedState, scratch: Scratch, row: Float32Array, p: number, testN: number, seed: number): number {
  const { members, nonMembers } = attackedExamples(s, p, testN, seed);
  const m = members.length;
  if (m === 0) return NaN;
  const F = s.features;
  const x = scratch.f32('mia-x', m * F);
  const y = scratch.u8('mia-y', m);
  const losses = (idx: Int32Array, srcX: Float32Array, srcY: Uint8Array, name: string): Float64Array => {
    for (let k = 0; k < m; k++) {
      const e = idx[k];
      x.set(srcX.subarray(e * F, (e + 1) * F), k * F);
      y[k] = srcY[e];
    }
    const out = scratch.f64(name, m);
    kernel.evaluate(row, x, y, m, out);
    return out;
  };
  return lossAuc(losses(members, s.trainX, s.trainY, 'mia-in'), losses(nonMembers, s.testX, s.testY, 'mia-out'));
}
