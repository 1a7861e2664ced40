// Plastic connections (issue 12): peers keep a strength per in-link and rewire by a rule
// (hebbian, pens, none). One rule per file behind PlasticRule, registered in rules.ts.
import type { ExperimentConfig } from '../config/schema.js';
import type { World } from '../engine/setup.js';
import type { Runtime } from '../engine/runtime.js';
import type { AsyncProtocol, Protocol } from '../protocol/types.js';
import { withGossipPlasticity } from './gossip.js';
import { withPlasticity, type PlasticProtocol } from './round.js';
import { wiringMetrics, type Wiring } from './metrics.js';
import { sharedFloat32, sharedFloat64, sharedInt32, toShared } from '../engine/shared-state.js';
import { ruleOf } from './rules.js';
import type { PlasticShared } from './types.js';

export { plasticitySchema, type PlasticitySpec } from './schema.js';
export { RULE_KINDS, rules, ruleOf, type RuleKind } from './rules.js';
export { checkPlasticity } from './checks.js';
export { withPlasticity, mixingOf, createPlan, trafficOf, type PlasticProtocol, type PlasticHooks } from './round.js';
export { wiringMetrics, type Wiring } from './metrics.js';
export { linkSignals, type SignalOp } from './signal.js';
export { usefulness } from './usefulness.js';
export type { Plan, PlasticRule, PlasticShared, RuleContext, RuleDescriptor } from './types.js';

/** Examples each peer holds out for probes: plasticity.probe for rules that probe, else 0. */
export function probeHoldout(c: ExperimentConfig): number {
  return c.plasticity && ruleOf(c.plasticity.rule).plastic ? c.plasticity.probe : 0;
}

/** The probes' shared buffers, sized for the most models a peer can receive in a round. */
export function createPlasticShared(c: ExperimentConfig, dim: number, probe?: { x: Float32Array; y: Uint8Array; perPeer: number }): PlasticShared | undefined {
  const p = c.plasticity;
  if (!p || !probe) return undefined;
  const n = c.peers;
  const entries = n * Math.min(n - 1, Math.max(p.degree, p.grow.candidates));
  return {
    offsets: sharedInt32(n + 1),
    sources: sharedInt32(entries),
    pair: sharedFloat64(entries),
    own: sharedFloat64(n),
    probeX: toShared(probe.x),
    probeY: toShared(probe.y),
    perPeer: probe.perPeer,
    prev: p.signal === 'cosine' ? sharedFloat32(n * dim) : undefined,
  };
}

/** The protocol a run drives: the configured one, or under plasticity the rule's round around it. */
export function applyPlasticity(inner: Protocol, world: World, runtime: Pick<Runtime, 'linkSignals'>, messageBytes: number): Protocol {
  const { config } = world;
  if (!config.plasticity) return inner;
  const ctx = { peers: config.peers, seed: config.seed, topology: world.topology, mixing: world.mixing };
  return withPlasticity(inner, config.plasticity, ctx, { linkSignals: (r, op) => runtime.linkSignals(r, op), shared: world.state.plastic, messageBytes });
}

/** An async protocol (gossip learning) under plasticity: hebbian's links decide who gossips with whom. */
export function applyAsyncPlasticity(inner: AsyncProtocol, world: World, runtime: Pick<Runtime, 'probeLoss'>): AsyncProtocol {
  const { config } = world;
  const spec = config.plasticity;
  if (!spec) return inner;
  const ctx = { peers: config.peers, seed: config.seed, topology: world.topology, mixing: world.mixing, spec };
  if (!ruleOf(spec.rule).plastic) return Object.assign(Object.create(inner) as AsyncProtocol, { rule: ruleOf(spec.rule).create(ctx) });
  const variant = (config.protocol as { variant?: string }).variant ?? 'push';
  // async mode runs inline: round 0 stands for "outside the round loop" in a probe's task
  return withGossipPlasticity(inner, ctx, (peer, model) => runtime.probeLoss(0, peer, model), variant);
}

/** The wiring metrics of an evaluation round (cluster only, without plasticity). */
export function wiringOf(world: World, protocol?: Protocol | AsyncProtocol): Wiring {
  return wiringMetrics(world.config.peers, (protocol as Partial<PlasticProtocol> | undefined)?.rule, world.cluster);
}
