// Plasticity as the round of a protocol that mixes through rows (dpsgd): local steps, then the
// rule's plan of which models each peer receives, the probes (in workers), the rule's update,
// and the gather with a directed, personalised mixing matrix built from the links each peer
// heard (row-stochastic: self strength plus link strengths, normalised). A fresh matrix each
// round goes down the same path as a time-varying schedule's.
import type { Protocol, RoundOps, Traffic } from '../protocol/types.js';
import type { MixingMatrix } from '../types.js';
import { ruleOf } from './rules.js';
import type { PlasticitySpec } from './schema.js';
import type { SignalOp } from './signal.js';
import type { Plan, PlasticRule, PlasticShared, RuleContext } from './types.js';

/** A protocol whose links are a plasticity rule's: the engine reads the wiring metrics from `rule`. */
export interface PlasticProtocol extends Protocol {
  readonly rule: PlasticRule;
}

export interface PlasticHooks {
  /** runs the probes' worker tasks over all rows of the current parameters */
  linkSignals(round: number, op: SignalOp): Promise<void>;
  /** the probes' shared buffers (absent for a rule that does not probe) */
  shared?: PlasticShared;
  messageBytes: number;
}

/** The protocol as it runs under `spec`: the inner one (rule none, with its links exposed) or the plastic round. */
export function withPlasticity(inner: Protocol, spec: PlasticitySpec, ctx: Omit<RuleContext, 'spec'>, hooks: PlasticHooks): PlasticProtocol {
  const d = ruleOf(spec.rule);
  const rule = d.create({ ...ctx, spec });
  if (!d.plastic) {
    return { rule, round: (ops, r) => inner.round(ops, r), snapshot: () => inner.snapshot?.(), restore: (s) => inner.restore?.(s) };
  }
  if (!hooks.shared) throw new Error(`plasticity: rule ${spec.rule} needs the probes' shared buffers`);
  const plan = createPlan(hooks.shared, ctx.peers);
  return {
    rule,
    async round(ops: RoundOps, r: number): Promise<Traffic> {
      if (spec.signal === 'cosine') await hooks.linkSignals(r, 'snapshot');
      await ops.train(r);
      rule.plan(r, plan);
      await hooks.linkSignals(r, spec.signal);
      rule.update(r, plan);
      await ops.mix(r, mixingOf(plan, rule, ctx.peers));
      return trafficOf(plan.shared, ctx.peers, hooks.messageBytes);
    },
    snapshot: () => rule.snapshot?.(),
    restore: (s) => rule.restore?.(s),
  };
}

export function createPlan(shared: PlasticShared, n: number): Plan {
  let at = 0;
  let peer = -1;
  return {
    shared,
    mix: new Float64Array(shared.sources.length),
    begin(i) {
      if (i === 0) at = 0;
      peer = i;
      shared.offsets[i] = at;
    },
    push(from) {
      if (at >= shared.sources.length) throw new Error(`plasticity: peer ${peer} receives more models than the plan holds`);
      shared.sources[at++] = from;
    },
    end() {
      shared.offsets[peer + 1] = at;
      if (peer === n - 1) shared.offsets[n] = at;
    },
  };
}

/** Row i: its own model at its self strength and every entry with a mixing weight, normalised to sum 1. */
export function mixingOf(plan: Plan, rule: PlasticRule, n: number): MixingMatrix {
  const { offsets: po, sources } = plan.shared;
  const offsets = new Int32Array(n + 1);
  const cols: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < n; i++) {
    const row: [number, number][] = [[i, rule.selfStrength(i)]];
    for (let e = po[i]; e < po[i + 1]; e++) if (plan.mix[e] > 0) row.push([sources[e], plan.mix[e]]);
    row.sort((a, b) => a[0] - b[0]);
    let total = 0;
    for (const [, w] of row) total += w;
    for (const [j, w] of row) {
      cols.push(j);
      weights.push(w / total);
    }
    offsets[i + 1] = cols.length;
  }
  return { n, offsets, cols: Int32Array.from(cols), weights: Float64Array.from(weights) };
}

/** Every entry of the plan is one model sent by its source. */
export function trafficOf(shared: PlasticShared, n: number, messageBytes: number): Traffic {
  const perPeer = new Float64Array(n);
  const entries = shared.offsets[n];
  for (let e = 0; e < entries; e++) perPeer[shared.sources[e]] += messageBytes;
  return { bytes: entries * messageBytes, perPeer };
}
