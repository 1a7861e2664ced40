// Cross-field checks of plasticity and data.clusters against the rest of the config: each names
// the field, what is wrong and what to do.
import type { ExperimentConfig } from '../config/schema.js';
import { craftsMessages } from '../adversary/index.js';
import { imageSide } from '../data/clusters.js';
import { fixedSchedules, scheduleOf } from '../topology/schedule/index.js';
import { aggregationOf, weightedMeans } from '../aggregation/index.js';
import { protocolOf, protocolRegistry } from '../protocol/index.js';
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
  const rewires = protocolOf(kind).needs.plasticity;
  const where = (w: 'rows' | 'peers') => protocolRegistry.list().filter((d) => d.needs.plasticity === w).map((d) => d.kind).join(' | ');
  if (rewires === 'peers' && p.signal === 'cosine') {
    out.push(`plasticity.signal: cosine compares the updates of one synchronous round; use signal loss with ${kind}`);
  } else if (!rewires) {
    out.push(`plasticity: rewires the mixing rows of protocols that mix through rows (${where('rows')}) or whom gossip protocols talk to (${where('peers')}), and ${kind} does neither; use protocol ${where('rows')} or ${where('peers')}, or remove plasticity`);
  }
  if (!aggregationOf(c.aggregation.kind).weightedMean) out.push(`plasticity: mixing rows are built from link strengths (a weighted mean); use aggregation ${weightedMeans()} (got ${c.aggregation.kind})`);
  const schedule = scheduleOf(c.topology.schedule);
  if (schedule.timeVarying) out.push(`topology.schedule: plasticity rewires the starting graph itself; use schedule ${fixedSchedules()} (got ${schedule.kind})`);
  if (c.adversaries && craftsMessages(c.adversaries.attack)) {
    out.push(`adversaries.attack: ${c.adversaries.attack.kind} crafts messages on a fixed graph, and plasticity rewires it; use the label-flip attack or remove plasticity`);
  }
  const n = c.peers;
  if (p.degree > n - 1) out.push(`plasticity.degree: ${p.degree} in-links per peer needs more than the ${n - 1} other peers; use at most ${n - 1}`);
  if (!ruleOf(p.rule).plastic) return out;
  if (p.grow.candidates > n - 1) out.push(`plasticity.grow.candidates: ${p.grow.candidates} candidates per peer is more than the ${n - 1} other peers; use at most ${n - 1}`);
  if (rewires) out.push(...(ruleOf(p.rule).check?.(p, { rounds: c.rounds, rewires, protocol: kind }) ?? []));
  if (p.probe + c.train.batchSize > c.data.examplesPerPeer) {
    out.push(`plasticity.probe: each peer holds out ${p.probe} of its ${c.data.examplesPerPeer} examples to probe other models, leaving fewer than batchSize (${c.train.batchSize}) to train on; use a smaller probe or more examplesPerPeer`);
  }
  return out;
}
