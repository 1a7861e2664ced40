// The exchange's tasks: mixing rows through the aggregation rule ('mix'), crafting attackers'
// messages ('craft') and a protocol's own row operations ('rows'). Plug-in kinds run guarded.
import { craftLinks, attackRegistry } from '../../adversary/index.js';
import { aggregate, aggregationRegistry, type AggregationEnv } from '../../aggregation/index.js';
import { squaredDistance } from '../../aggregation/distance.js';
import { windowMeanRows, type WindowScratch } from '../../aggregation/order-statistics.js';
import { isSyncDescriptor, protocolOf, protocolRegistry, type RowEnv } from '../../protocol/index.js';
import { mixRows } from '../../topology/mix-rows.js';
import { mixRowsSimd, squaredDistanceSimd, windowMeanSimd } from '../../wasm/index.js';
import type { BufferIndex } from '../../../workers/messages.js';
import { guarded, pluginSource } from '../plugin-guard.js';
import type { TaskContext, TaskHandlers } from '../task-context.js';

export const exchangeTasks: TaskHandlers<'mix' | 'craft' | 'rows'> = {
  mix(ctx, task) {
    const s = ctx.state;
    const src = (task.ext ? s.paramsExt : s.params)[task.src];
    const dst = s.params[1 - task.src];
    const env = aggregationEnv(ctx);
    const plugin = pluginSource(aggregationRegistry, task.rule.kind);
    if (!plugin) aggregate(env, task.rule, task.w, src, dst, task.rowStart, task.rowEnd);
    else {
      const rows = (i: number) => dst.subarray(i * s.dim, (i + 1) * s.dim);
      guarded(plugin, `aggregation '${task.rule.kind}'`, task.round, task.rowStart, task.rowEnd, (a, b) => aggregate(env, task.rule, task.w, src, dst, a, b), rows);
    }
    return task.rowEnd - task.rowStart;
  },
  craft(ctx, task) {
    const s = ctx.state;
    const { seed, adversaries: plan } = ctx.settings;
    if (!plan) throw new Error('craft: this run has no adversaries');
    const env = { peers: s.peers, dim: s.dim, round: task.round, seed, x: s.paramsExt[task.src], scratch64: (name: string, n: number) => ctx.scratch.f64(name, n) };
    const plugin = pluginSource(attackRegistry, plan.attack.kind);
    if (!plugin) craftLinks(plan, env, task.linkStart, task.linkEnd);
    else {
      const out = (e: number) => env.x.subarray((s.peers + e) * s.dim, (s.peers + e + 1) * s.dim);
      guarded(plugin, `attack '${plan.attack.kind}'`, task.round, task.linkStart, task.linkEnd, (a, b) => craftLinks(plan, env, a, b), out, (e) => plan.links[2 * e]);
    }
    return task.linkEnd - task.linkStart;
  },
  rows(ctx, task) {
    const s = ctx.state;
    const d = protocolOf(task.protocol);
    const op = isSyncDescriptor(d) ? d.rowOps?.[task.op] : undefined;
    if (!op) throw new Error(`protocol ${task.protocol} has no row operation '${task.op}'`);
    const env = rowEnv(ctx, task.src, task.round);
    const plugin = pluginSource(protocolRegistry, task.protocol);
    if (!plugin) op(env, task.args, task.rowStart, task.rowEnd);
    else guarded(plugin, `protocol '${task.protocol}' row operation '${task.op}'`, task.round, task.rowStart, task.rowEnd, (a, b) => op(env, task.args, a, b), (i) => env.x.subarray(i * s.dim, (i + 1) * s.dim));
    return task.rowEnd - task.rowStart;
  },
};

function aggregationEnv(ctx: TaskContext): AggregationEnv {
  const s = ctx.state;
  const scratch: WindowScratch = { sorted: (k) => ctx.scratch.f32('sorted', k), bases: (k) => ctx.scratch.f64('bases', k) };
  return {
    dim: s.dim,
    weightedMean(w, src, dst, r0, r1) {
      if (ctx.exchange) mixRowsSimd(ctx.exchange, w, src, dst, s.dim, r0, r1);
      else mixRows(w, src, dst, s.dim, r0, r1);
    },
    windowMean(w, src, dst, r0, r1, window) {
      if (ctx.exchange) windowMeanSimd(ctx.exchange, w, src, dst, s.dim, r0, r1, window, scratch);
      else windowMeanRows(w, src, dst, s.dim, r0, r1, window, scratch);
    },
    squaredDistance: (src, a, b, len) => (ctx.exchange ? squaredDistanceSimd(ctx.exchange, src, a, b, len) : squaredDistance(src, a, b, len)),
    scratch: (name, n) => ctx.scratch.f32(name, n),
    scratch64: (name, n) => ctx.scratch.f64(name, n),
  };
}

function rowEnv(ctx: TaskContext, src: BufferIndex, round: number): RowEnv {
  const s = ctx.state;
  return {
    peers: s.peers,
    dim: s.dim,
    round,
    seed: ctx.settings.seed,
    x: s.params[src],
    buffer(name) {
      const b = s.buffers[name];
      if (!b) throw new Error(`no per-peer buffer '${name}': declare it in the protocol's needs.buffers`);
      return b;
    },
    scratch: (name, n) => ctx.scratch.f32(name, n),
    scratch64: (name, n) => ctx.scratch.f64(name, n),
    scratchU8: (name, n) => ctx.scratch.u8(name, n),
  };
}
