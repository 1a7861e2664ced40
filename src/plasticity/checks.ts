// Cross-field checks of plasticity and data.clusters against the rest of the config: each names
// the field, what is wrong and what to do.
import type { ExperimentConfig } from '../config/schema.js';
import { craftsMessages } from '../adversary/index.js';
import { imageSide } from '../data/clusters.js';
import { fixedSchedules, scheduleOf } from '../topology/schedule/index.js';
import { ruleOf } from './rules.js';

export function checkPlasticity(c: ExperimentConfig, features: number): string[] {
  const out: string[] = [];
  const cl = c.data.clusters;
  if (cl) {
    if (cl.count > c.peers) out.push(`data.clusters.count: ${cl.count} clusters for ${c.peers} peers leaves some empty; use at most ${c.peers}`);
    if (cl.transform === 'rotate' && imageSide(features) === undefined) {
      out.push(`data.clusters.transform: rotate turns square images, and ${features} features is not a square; use permute-pixels or permute-labels`);
    }
  }
  const p = c.plasticity;
  if (!p) return out;
  const kind = c.protocol.kind;
  if (kind === 'gossip-learning') {
    if (p.rule === 'pens') out.push('plasticity.rule: pens runs in synchronous rounds; use protocol dpsgd, or rule hebbian with gossip learning');
    if (p.signal === 'cosine') out.push('plasticity.signal: cosine compares the updates of one synchronous round; use signal loss with gossip learning');
  } else if (kind !== 'dpsgd') {
    out.push(`plasticity: rewires the mixing rows of protocols that mix through rows (dpsgd) or whom gossip learning talks to, and ${kind} does neither; use protocol dpsgd or gossip-learning, or remove plasticity`);
  }
  if (c.aggregation.kind !== 'mean') out.push(`plasticity: mixing rows are built from link strengths (a weighted mean); use aggregation mean (got ${c.aggregation.kind})`);
  const schedule = scheduleOf(c.topology.schedule);
  if (schedule.timeVarying) out.push(`topology.schedule: plasticity rewires the starting graph itself; use schedule ${fixedSchedules()} (got ${schedule.kind})`);
  if (c.adversaries && craftsMessages(c.adversaries.attack)) {
    out.push(`adversaries.attack: ${c.adversaries.attack.kind} crafts messages on a fixed graph, and plasticity rewires it; use the label-flip attack or remove plasticity`);
  }
  const n = c.peers;
  if (p.degree > n - 1) out.push(`plasticity.degree: ${p.degree} in-links per peer needs more than the ${n - 1} other peers; use at most ${n - 1}`);
  if (!ruleOf(p.rule).plastic) return out;
  if (p.grow.candidates > n - 1) out.push(`plasticity.grow.candidates: ${p.grow.candidates} candidates per peer is more than the ${n - 1} other peers; use at most ${n - 1}`);
  if (p.rule === 'hebbian' && p.grow.candidates > p.degree) {
    out.push(`plasticity.grow.candidates: probes count against the degree budget (${p.degree} models per round), so at most ${p.degree} candidates (got ${p.grow.candidates})`);
  }
  if (p.rule === 'hebbian' && p.grow.every < 2) {
    out.push('plasticity.grow.every: hebbian probes take the slots of the weakest links on grow rounds, so links are measured on the rounds between; use every >= 2');
  }
  if (p.rule === 'pens' && p.grow.candidates < p.degree) {
    out.push(`plasticity.grow.candidates: PENS keeps the degree (${p.degree}) best of grow.candidates sampled peers; use at least ${p.degree} candidates (got ${p.grow.candidates})`);
  }
  if (p.rule === 'pens' && p.selectionRounds >= c.rounds) {
    out.push(`plasticity.selectionRounds: PENS fixes its neighbours after ${p.selectionRounds} rounds, and the run has ${c.rounds}; use fewer selection rounds`);
  }
  if (p.probe + c.train.batchSize > c.data.examplesPerPeer) {
    out.push(`plasticity.probe: each peer holds out ${p.probe} of its ${c.data.examplesPerPeer} examples to probe other models, leaving fewer than batchSize (${c.train.batchSize}) to train on; use a smaller probe or more examplesPerPeer`);
  }
  return out;
}
